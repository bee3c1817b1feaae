/**
 * Nested workflows (`out: MAKEFLOW sub.mf [dir]`) run in this process, as a run of their own
 * inside the rule that names them: the runner that starts one (refusing a workflow that would
 * nest itself or nest too deep) and the output its own lines go to, labelled with its file.
 * The alternative rejected: a child `skein` process per nested workflow — its stop, its
 * output and its progress would each need a protocol back to the enclosing run.
 */
import { missingList } from "../executors/executor.ts";
import { missingTargets } from "../executors/local-executor.ts";
import { writtenPath } from "../language/canonical-path.ts";
import { formatLocation } from "../language/errors.ts";
import type { TaskOutcome } from "../schedule/types.ts";
import type { NestedWorkflow, Rule } from "../workflow.ts";
import { unexportedVariableHint } from "./nested-variables.ts";
import type { ProgressTally } from "./progress-tally.ts";
import type { Loaded } from "./run-flow.ts";
import { workflowPlace } from "./run-files.ts";
import { nestedRunInit, nestingDepthMax, type Output, type RunComponents, type RunInit, shownDirectory, shownFile, workflowLogPath } from "./run-options.ts";

/**
 * Runs a nested workflow rule in this process. It fails, without running, when its workflow
 * (file and directory) already runs around it or when it would be nested more than
 * `nestingDepthMax` deep; after a run that succeeds, every target the rule declares must
 * exist, as after a command.
 */
export function nestedRunner(loaded: Loaded, init: RunInit, components: RunComponents & { readonly output: Output }, progress: ProgressTally, drain?: AbortSignal): (rule: Rule, stop: AbortSignal) => Promise<TaskOutcome> {
  return async (rule, stop) => {
    const { runFlow } = await import("./run-flow.ts");
    const nested = rule.nested!;
    const nestedInit = nestedRunInit(loaded.directory, rule, init, loaded.logPath);
    // named as the user would from where skein started, as its locations are (`sub/deep/d.mf:1:1`)
    const file = shownFile(nestedInit);
    const enclosing = nestedInit.enclosing!;
    const place = workflowPlace(nestedInit);
    const logPath = workflowLogPath(place.file, place.directory);
    if (enclosing.includes(logPath)) {
      return { ok: false, reason: `nested workflow ${file} already runs around this rule, in ${shownDirectory(nestedInit)}: a workflow cannot nest itself` };
    }
    if (stop.aborted) return { ok: false, reason: `nested workflow ${file} was not started: the enclosing workflow stopped` };
    if (enclosing.length >= nestingDepthMax) return { ok: false, reason: `nested workflow ${file} would be nested more than ${nestingDepthMax} levels deep` };
    // the same workflow run by a rule of another workflow (nested-conflicts.ts sees one workflow's rules only)
    const other = runningNested.get(logPath);
    if (other !== undefined) return { ok: false, reason: `nested workflow ${nestedLabel(nested, nestedInit)} already runs, for rule ${other}, and neither rule waits for the other: they would run it twice at once, on the same files and log; make one depend on the other` };
    runningNested.set(logPath, `'${writtenPath(rule.targets[0]!)}' (${formatLocation(rule.location)})`);
    let why: string | undefined;
    const onFailed = (reason: string) => (why ??= reason);
    let code: number;
    try {
      code = await runFlow(nestedInit, { clock: components.clock, random: components.random, output: labelledOutput(components.output, nestedLabel(nested, nestedInit)), stop, enclosingProgress: (read) => progress.attach(rule.id, read), onFailed, jobs: components.jobs?.nested(), drain });
    } finally {
      runningNested.delete(logPath);
    }
    // a variable this workflow sets but does not export, said as such (nested-variables.ts)
    if (code !== 0) return { ok: false, reason: `nested workflow ${file} failed${why === undefined ? "" : `: ${unexportedVariableHint(why, rule, workflowPlace(init).file)}`}` };
    const missing = missingTargets(rule, loaded.directory);
    return missing.length === 0 ? { ok: true } : { ok: false, reason: `the nested workflow ${file} succeeded but did not create ${missingList(missing)}` };
  };
}

/**
 * Nested runs in progress in this process, by log path (one per workflow file and directory),
 * each with the rule that runs it: a second rule running the same workflow at once, from
 * another workflow, fails naming the first instead of on the log's lock. At most one entry per
 * nested run in progress.
 */
const runningNested = new Map<string, string>();

/**
 * A nested run's label: its file as the user would name it (`shownFile`), as in its workflow
 * errors' locations, and the directory its rule gave it (`MAKEFLOW sub.mf d1`), as one file
 * may run nested in two directories at once.
 */
function nestedLabel(nested: NestedWorkflow, init: RunInit): string {
  return nested.directory === undefined || nested.directory === "." ? shownFile(init) : `${shownFile(init)} (in ${shownDirectory(init)})`;
}

/** The output a labelled output labels: a run nested deeper is labelled by its own file only. */
const unlabelled = new WeakMap<Output, Output>();

/**
 * A nested run's output: its own lines (`skein flow: stopped: …`, a rule's failure) read
 * `skein flow: sub.mf: …`, named by the nested file as the user would name it (nested deeper,
 * `skein flow: sub/leaf.mf: …`, its own file only), so they are not taken for the enclosing run's.
 * Other lines (a command's output under a failure, a workflow error naming its file) pass as
 * they are; so does --json's standard output, whose run events name the file.
 */
export function labelledOutput(labelled: Output, label: string): Output {
  const output = unlabelled.get(labelled) ?? labelled;
  const own = "skein flow: ";
  const result: Output = {
    out: (text) => output.out(text),
    err: (text) => output.err(text.replace(/^skein flow: /gm, `${own}${label}: `)),
    onOutClosed: output.onOutClosed === undefined ? undefined : (closed) => output.onOutClosed!(closed),
  };
  unlabelled.set(result, output);
  return result;
}
