// skein-io-adapter: reads nested workflow files and their logs to list what they would run.
/**
 * `--dry-run`: the commands that would run, in order — and, as `make -n` recurses into
 * sub-makes, under a `MAKEFLOW` rule that would run, what its nested workflow would run (read
 * with its own log, nested deeper too), each line indented two spaces per level. A nested file
 * that an earlier rule would make (or make again) is not read: it is not there yet, or not as
 * it will be; a line says so. A nested workflow with an error says it on standard error and
 * the dry run exits 1, as its run would fail. At most `dryRunNestedMax` nested workflows are
 * listed (one file nested twice in many levels grows as a power of two); past it, a line says
 * how many were left out.
 * With `--json`, a nested rule's object carries `run` and `directory`, as its run's events do.
 */
import { statSync } from "node:fs";
import { writtenPath } from "../language/canonical-path.ts";
import { WorkflowError } from "../language/errors.ts";
import type { Rule } from "../workflow.ts";
import type { CompletionReader } from "./nested-complete.ts";
import type { Loaded } from "./run-flow.ts";
import { workflowPlace } from "./run-files.ts";
import { nestedRunInit, nestedRunName, nestingDepthMax, type Output, type RunInit, shownDirectory, shownFile, workflowLogPath } from "./run-options.ts";

/** Nested workflows a dry run lists at most, all levels together. */
export const dryRunNestedMax = 1_000;

interface Listing {
  readonly output: Output;
  readonly reader: CompletionReader;
  /** Nested workflows listed so far, and those left out past `dryRunNestedMax`. */
  listed: number;
  leftOut: number;
  /** Whether a nested workflow could not be read (the dry run then exits 1). */
  failed: boolean;
}

/** Prints what the run would do; returns the exit code (1 when a nested workflow has an error). */
/** `refused`: the top workflow's rules a run would refuse (dry-run-refusals.ts), listed as `would-be-refused` with --json, left out of the commands without. */
export function printDryRun(loaded: Loaded, complete: ReadonlySet<number>, init: RunInit, output: Output, reader: CompletionReader, refused?: ReadonlyMap<number, string>): number {
  const listing: Listing = { output, reader, listed: 0, leftOut: 0, failed: false };
  list(loaded, complete, init, listing, "", refused);
  if (listing.leftOut > 0) {
    const line = `${listing.leftOut} more nested ${listing.leftOut === 1 ? "workflow" : "workflows"} not listed (at most ${dryRunNestedMax})`;
    if (init.json) output.err(`skein flow: --dry-run: ${line}\n`);
    else output.out(`# ${line}\n`);
  }
  return listing.failed ? 1 : 0;
}

function list(loaded: Loaded, complete: ReadonlySet<number>, init: RunInit, listing: Listing, indent: string, refused?: ReadonlyMap<number, string>): void {
  const { output } = listing;
  const rules = loaded.plan.workflow.rules;
  const run = nestedRunName(init);
  /** Rules this dry run lists (they would run): a nested file one of them makes is not read. */
  const wouldRun = new Set<number>();
  for (const index of loaded.plan.order) {
    const rule = rules[index]!;
    if (complete.has(index)) continue;
    const refusal = refused?.get(index);
    if (refusal !== undefined) {
      if (init.json) output.out(`${JSON.stringify({ rule: index, target: writtenPath(rule.targets[0]!), state: "would-be-refused", reason: refusal, ...run })}\n`);
      continue;
    }
    wouldRun.add(index);
    // with --json, stdout holds only JSON objects: the rule, its first target as written, its command
    const command = listedCommand(rule);
    if (init.json) output.out(`${JSON.stringify({ rule: index, target: writtenPath(rule.targets[0]!), state: "would-run", command, local: rule.local || undefined, ...run })}\n`);
    else output.out(`${indent}${rule.local ? "LOCAL " : ""}${command}\n`);
    if (rule.nested !== undefined) listNested(loaded, rule, init, listing, `${indent}  `, wouldRun);
  }
}

/** What a `MAKEFLOW` rule that would run would run, under it; or why that cannot be told now. */
function listNested(loaded: Loaded, rule: Rule, init: RunInit, listing: Listing, indent: string, wouldRun: ReadonlySet<number>): void {
  const { output } = listing;
  const nestedInit = nestedRunInit(loaded.directory, rule, init, loaded.logPath);
  // with --json, stdout holds only JSON objects: the note goes to standard error
  const note = (text: string) => (init.json ? output.err(`skein flow: --dry-run: ${text}\n`) : output.out(`${indent}# ${text}\n`));
  const maker = loaded.plan.producers.get(rule.nested!.file);
  if (maker !== undefined && wouldRun.has(maker)) return note(`${shownFile(nestedInit)} is made by rule '${writtenPath(rules(loaded)[maker]!.targets[0]!)}' first: what it runs is known once it is made`);
  const directoryMaker = rule.nested!.directory === undefined ? undefined : loaded.plan.producers.get(rule.nested!.directory);
  if (directoryMaker !== undefined && wouldRun.has(directoryMaker)) return note(`the directory ${shownDirectory(nestedInit)} of ${shownFile(nestedInit)} is made by rule '${writtenPath(rules(loaded)[directoryMaker]!.targets[0]!)}' first: what it runs is known once it is made`);
  const fail = (problem: string) => {
    listing.failed = true;
    output.err(`skein flow: --dry-run: ${problem}\n`);
    if (!init.json) note(`${shownFile(nestedInit)}: cannot tell what it would run (see above)`);
  };
  const enclosing = nestedInit.enclosing!;
  const place = workflowPlace(nestedInit);
  if (enclosing.includes(workflowLogPath(place.file, place.directory))) return fail(`${shownFile(nestedInit)} nests itself: its rule would fail`);
  if (enclosing.length >= nestingDepthMax) return fail(`${shownFile(nestedInit)} would be nested more than ${nestingDepthMax} levels deep`);
  if (!statSync(nestedInit.file, { throwIfNoEntry: false })?.isFile()) return fail(`${shownFile(nestedInit)}: no such workflow file`);
  if (!statSync(nestedInit.directory!, { throwIfNoEntry: false })?.isDirectory()) return fail(`cannot run ${shownFile(nestedInit)} in ${shownDirectory(nestedInit)}: no such directory`);
  if (listing.listed >= dryRunNestedMax) {
    listing.leftOut++;
    return;
  }
  listing.listed++;
  let nested: Loaded;
  let complete: ReadonlySet<number>;
  try {
    nested = listing.reader.load(nestedInit);
    complete = listing.reader.completed(nested, nestedInit);
  } catch (error) {
    return fail(error instanceof WorkflowError ? error.message : `${shownFile(nestedInit)}: ${(error as Error).message}`);
  }
  list(nested, complete, nestedInit, listing, indent);
}

const rules = (loaded: Loaded) => loaded.plan.workflow.rules;

/**
 * A rule's command as listed: a JSON `"workflow"` rule's is `MAKEFLOW file` alone, its
 * `"directory"` apart, so the directory is added, as the Makeflow form writes it
 * (`MAKEFLOW sub.mf d1`); quoted when it holds a blank or a quote.
 */
export function listedCommand(rule: Rule): string {
  const directory = rule.nested?.directory;
  if (directory === undefined || directory === "." || /^MAKEFLOW[ \t]+\S+[ \t]+\S/.test(rule.command)) return rule.command;
  return `${rule.command} ${/[\s'"\\]/.test(directory) ? `'${directory.replace(/'/g, "'\\''")}'` : directory}`;
}
