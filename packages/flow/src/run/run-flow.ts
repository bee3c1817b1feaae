// skein-io-adapter: reads the workflow, checks files, and wires executors, log and output.
/**
 * One run of `skein flow`: parse, plan, read the transaction log, then clean, dry-run, or run
 * what is left with the chosen back end. Resolves to the process exit code: 0 when every rule
 * is done, 1 when a rule failed for good or the workflow has an error, 128 + the signal's
 * number when SIGINT, SIGTERM or SIGHUP stopped it (`stopSignals`).
 */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, totalmem } from "node:os";
import { dirname, resolve } from "node:path";
import { WorkflowError } from "../language/errors.ts";
import { parseWorkflow } from "../language/parse-workflow.ts";
import { LogFile, readLogText } from "../log/log-file.ts";
import { type LogSummary, readLog } from "../log/transaction-log.ts";
import { type Plan, plan } from "../plan/plan.ts";
import type { RuleState } from "../schedule/types.ts";
import { type Cleanable, cleanTree, type NestedLoader } from "./clean.ts";
import { toDot } from "./dot.ts";
import { absolutePath } from "../paths.ts";
import { stopSignals } from "@skein/ftsh/stop-signals";
import { BackEndError, execute } from "./execute.ts";
import { nestedRunInit, type Output, type RunComponents, type RunInit, workflowLogPath } from "./run-options.ts";

/** Runs waiting to hear that standard output's reader went away. */
const stdoutClosedListeners = new Set<(reason: string) => void>();
let stdoutGone = false;
let stdoutWatched = false;

export const standardOutput: Output = {
  out: (text) => {
    if (!stdoutGone) process.stdout.write(text);
  },
  err: (text) => process.stderr.write(text),
  onOutClosed(closed) {
    if (!stdoutWatched) {
      stdoutWatched = true;
      process.stdout.on("error", (error: NodeJS.ErrnoException) => {
        if (error.code !== "EPIPE") throw error;
        stdoutGone = true;
        for (const listener of stdoutClosedListeners) listener("standard output was closed (EPIPE)");
      });
    }
    stdoutClosedListeners.add(closed);
    return () => stdoutClosedListeners.delete(closed);
  },
};

export interface Loaded {
  readonly plan: Plan;
  readonly directory: string;
  readonly logPath: string;
  readonly summary: LogSummary;
}

/** Parses and plans the workflow and reads its log; throws WorkflowError on a problem. */
export function loadWorkflow(init: RunInit): Loaded {
  const file = resolve(init.file);
  const directory = resolve(init.directory ?? dirname(file));
  const text = readFileSync(file, "utf8");
  const workflow = parseWorkflow(text, { file: init.file, environment: init.environment ?? process.env });
  const planned = plan(workflow, { exists: (path) => existsSync(absolutePath(directory, path)) });
  const logPath = workflowLogPath(file, directory);
  return { plan: planned, directory, logPath, summary: readLog(readLogText(logPath), workflow.rules, logPath) };
}

/**
 * Reads a nested workflow and its log for `--clean`, with the options its run had. Not planned:
 * cleaning needs no check that its sources exist.
 */
function nestedForClean(init: RunInit): NestedLoader {
  return (parent, nested) => {
    const nestedInit = nestedRunInit(parent.directory, nested, init);
    if (!existsSync(nestedInit.file)) return undefined;
    const workflow = parseWorkflow(readFileSync(nestedInit.file, "utf8"), { file: nestedInit.file, environment: nestedInit.environment ?? process.env });
    const logPath = workflowLogPath(nestedInit.file, nestedInit.directory!);
    return { workflow, summary: readLog(readLogText(logPath), workflow.rules, logPath), directory: nestedInit.directory!, logPath };
  };
}

/**
 * Rules that count as complete: done in the log, every target still present, and every rule
 * they wait for complete too (a rule made again makes its dependants stale).
 */
export function completedRules(loaded: Loaded): Set<number> {
  const complete = new Set<number>();
  const { plan: planned, summary, directory } = loaded;
  for (const rule of planned.order) {
    if (!summary.done.has(rule)) continue;
    if (!planned.dependencies[rule]!.every((dependency) => complete.has(dependency))) continue;
    const targets = planned.workflow.rules[rule]!.targets;
    if (targets.every((t) => existsSync(absolutePath(directory, t.path)))) complete.add(rule);
  }
  return complete;
}

function stateFromLog(complete: Set<number>, summary: LogSummary): (rule: number) => RuleState {
  return (rule) => (complete.has(rule) ? "done" : summary.interrupted.has(rule) ? "failed" : "waiting");
}

export async function runFlow(init: RunInit, components: RunComponents): Promise<number> {
  const output = components.output ?? standardOutput;
  let loaded: Loaded;
  try {
    if (!existsSync(init.file)) throw new Error(`${init.file}: no such workflow file`);
    if (statSync(init.file).isDirectory()) throw new Error(`${init.file}: is a directory, not a workflow file`);
    // --dot is written at the end: a directory that is not there fails now, before any work
    if (init.dotFile && !statSync(dirname(resolve(init.dotFile)), { throwIfNoEntry: false })?.isDirectory()) throw new Error(`--dot ${init.dotFile}: no directory ${dirname(resolve(init.dotFile))}`);
    loaded = loadWorkflow(init);
  } catch (error) {
    // a workflow error reads `file:line:column: problem`, as a compiler's; anything else (a
    // missing or unreadable file) is the command's own complaint
    output.err(`${error instanceof WorkflowError ? error.message : `skein flow: ${(error as Error).message}`}\n`);
    return 1;
  }
  if (init.clean) {
    const top: Cleanable = { workflow: loaded.plan.workflow, summary: loaded.summary, directory: loaded.directory, logPath: loaded.logPath };
    let removed: string[];
    try {
      removed = cleanTree(top, nestedForClean(init));
    } catch (error) {
      output.err(`skein flow: --clean: ${error instanceof WorkflowError ? error.message : (error as Error).message}\n`);
      return 1;
    }
    output.err(`skein flow: removed ${removed.length} files and the log\n`);
    return 0;
  }
  const complete = completedRules(loaded);
  const rules = loaded.plan.workflow.rules;
  if (init.dryRun) {
    for (const index of loaded.plan.order) {
      const rule = rules[index]!;
      if (!complete.has(index)) output.out(`${rule.local ? "LOCAL " : ""}${rule.command}\n`);
    }
    return 0;
  }
  if (complete.size === rules.length) {
    output.err("skein flow: nothing to do, every rule is done\n");
    if (init.dotFile) return writeDot(init.dotFile, toDot(loaded.plan, stateFromLog(complete, loaded.summary)), output) ? 0 : 1;
    return 0;
  }
  let log: LogFile;
  try {
    log = new LogFile(loaded.logPath, components.clock);
  } catch (error) {
    output.err(`skein flow: cannot write the transaction log ${loaded.logPath} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); nothing was run\n`);
    return 1;
  }
  try {
    const result = await execute(loaded, complete, log, init, { ...components, output }, { cores: init.jobs ?? availableParallelism(), memoryMb: Math.floor(totalmem() / 1048576) });
    const dotWritten = !init.dotFile || writeDot(init.dotFile, toDot(loaded.plan, result.stateOf), output);
    if (result.ok) output.err(`skein flow: done, ${result.ran} ${result.ran === 1 ? "rule" : "rules"} ran\n`);
    else output.err(`skein flow: stopped: ${result.reason}\n`);
    return result.ok ? (dotWritten ? 0 : 1) : result.stoppedBy ? stopSignals[result.stoppedBy] : 1;
  } catch (error) {
    if (!(error instanceof BackEndError)) throw error;
    output.err(`skein flow: ${error.message}\n`);
    return 1;
  } finally {
    await log.close();
  }
}

/** Writes the --dot file; a failure is reported (the run itself is not undone) and makes the exit code 1. */
function writeDot(file: string, text: string, output: Output): boolean {
  try {
    writeFileSync(file, text);
    return true;
  } catch (error) {
    output.err(`skein flow: --dot ${file}: cannot write it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})\n`);
    return false;
  }
}
