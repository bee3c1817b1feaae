// skein-io-adapter: reads the workflow, checks files, and wires executors, log and output.
/**
 * One run of `skein flow`: parse, plan, read the transaction log, then clean, dry-run, or run
 * what is left with the chosen back end. Resolves to the process exit code: 0 when every rule
 * is done, 1 when a rule failed for good or the workflow has an error, 128 + the signal's
 * number when SIGINT, SIGTERM or SIGHUP stopped it (`stopSignals`).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { availableParallelism, totalmem } from "node:os";
import { join, relative, resolve } from "node:path";
import type { Clock } from "@skein/core";
import { isRenamed, writtenPath } from "../language/canonical-path.ts";
import { WorkflowError } from "../language/errors.ts";
import { parseWorkflow } from "../language/parse-workflow.ts";
import { compactLog, logNeedsCompaction } from "../log/compact-log.ts";
import { LogFile, type LogRead, readLogFile } from "../log/log-file.ts";
import { lockLog } from "../log/log-lock.ts";
import type { LogSummary } from "../log/transaction-log.ts";
import { nestedFileReading } from "../plan/nested-file.ts";
import { type Plan, plan } from "../plan/plan.ts";
import type { RuleState } from "../schedule/types.ts";
import type { FileReference, NestedWorkflow, Rule, Workflow } from "../workflow.ts";
import { sandboxPathProblem } from "../workers/sandbox-paths.ts";
import { type Cleanable, type Cleaned, cleanTree, targetsWithoutLog } from "./clean.ts";
import { cleanReport } from "./clean-report.ts";
import { asidePreview, asidePreviewLines } from "./aside-preview.ts";
import { toDot } from "./dot.ts";
import { absolutePath } from "../paths.ts";
import { stopSignals } from "@skein/ftsh/stop-signals";
import { BackEndError, execute } from "./execute.ts";
import { predictRefusals } from "./dry-run-refusals.ts";
import { localGpus } from "../executors/local-gpus.ts";
import { checkDotFile, checkDotPlace, specialFile, workflowPlace, writeDot } from "./run-files.ts";
import { standardOutput } from "./standard-output.ts";
import { checkNestedConflicts } from "./nested-conflicts.ts";
import { checkTargetPlaces } from "./target-places.ts";
import { printDryRun } from "./nested-dry-run.ts";
import { JobBudget } from "./nested-job-budget.ts";
import { nestedComplete, nestedRuleCounts, rememberNestedRuleCounts } from "./nested-complete.ts";
import { withJobEnvironment } from "./nested-environment.ts";
import { SourceTimes } from "./source-times.ts";
import { nestedRunInit, nestedRunName, type Output, type RunComponents, type RunInit, shownDirectory, shownFile, workflowLogPath } from "./run-options.ts";

export interface Loaded {
  readonly plan: Plan;
  readonly directory: string;
  readonly logPath: string;
  readonly summary: LogSummary;
  /** The log as read, for its compaction. */
  readonly logRead: LogRead;
  /** When the sources done rules are compared with last changed; it names those in the future. */
  readonly sourceTimes: SourceTimes;
}

/**
 * Reads a workflow and its log, with the options of its run. Not planned: `--clean` needs no
 * check that sources exist (a source deleted since the run does not keep its outputs from going).
 */
function readWorkflow(init: RunInit): Cleanable & { logRead: LogRead } {
  const { workflow, directory, logPath } = parseWorkflowFile(init);
  const logRead = readLogFile(logPath, workflow.rules);
  return { workflow, summary: logRead.summary, logRead, directory, logPath };
}

/** Reads and parses a workflow file, with the options of its run; its log is not read. */
function parseWorkflowFile(init: RunInit): { workflow: Workflow; directory: string; logPath: string } {
  const { file, directory } = workflowPlace(init);
  // a nested run's: the exported variables of the MAKEFLOW rules around it, for $(X) and its jobs (nested-environment.ts)
  const environment = init.jobEnvironment === undefined ? (init.environment ?? process.env) : { ...(init.environment ?? process.env), ...init.jobEnvironment };
  const workflow = withJobEnvironment(parseWorkflow(readFileSync(file, "utf8"), { file: shownFile(init), environment, directory }), init.jobEnvironment);
  const logPath = workflowLogPath(file, directory);
  checkTargetPlaces(workflow, directory, file, logPath);
  return { workflow, directory, logPath };
}

/** Reads and plans the workflow and reads its log; throws WorkflowError on a problem. */
/** `nowMs`: the run's clock (epoch), against which sources' times in the future are found. */
export function loadWorkflow(init: RunInit, nowMs: number): Loaded {
  const { workflow, directory, logPath } = parseWorkflowFile(init);
  checkRenaming(workflow, init.target ?? "local");
  // a top-level run only: a nested workflow's names are its directory's in upstream too
  const start = init.directory === undefined ? process.cwd() : directory;
  const fromStartDirectory = (written: string) => (start === directory || written.startsWith("/") || !existsSync(resolve(start, written)) ? undefined : relative(directory, resolve(start, written)));
  const planned = plan(workflow, { exists: (path) => existsSync(absolutePath(directory, path)), fromStartDirectory });
  checkNestedConflicts(planned, directory, init);
  // read with the planned rules, whose hashes the run writes: planning may replace a rule (a
  // nested file read as older upstream did, `MAKEFLOW inner.mf sub` running sub/inner.mf)
  const logRead = readLogFile(logPath, planned.workflow.rules);
  return { plan: planned, directory, logPath, summary: logRead.summary, logRead, sourceTimes: new SourceTimes(directory, nowMs) };
}

/** `--clean` (with `--dry-run`: only what it would remove, one path a line on standard output). */
function cleanWorkflow(init: RunInit, output: Output): number {
  let cleaned: Cleaned;
  try {
    // each nested workflow's rule, whose exported variables it reads with (nested-environment.ts;
    // those of the rules around it are in its environment already)
    const ruleOf = new WeakMap<NestedWorkflow, Rule>();
    const read = (readInit: RunInit) => {
      const cleanable = readWorkflow(readInit);
      for (const rule of cleanable.workflow.rules) if (rule.nested !== undefined) ruleOf.set(rule.nested, rule);
      return cleanable;
    };
    const load = (parent: Cleanable, nested: NestedWorkflow) => {
      const nestedInit = nestedRunInit(parent.directory, ruleOf.get(nested)!, init, undefined, nestedFileReading(nested, (path) => existsSync(absolutePath(parent.directory, path)))); // as planning read it
      // a nested workflow that never logged (its run never started) made nothing: not read (it may not even parse)
      const place = workflowPlace(nestedInit);
      if (!existsSync(workflowLogPath(place.file, place.directory))) return undefined;
      return statSync(nestedInit.file, { throwIfNoEntry: false })?.isFile() ? read(nestedInit) : undefined; // a nested file gone (or a pipe): nothing to read
    };
    const top = read(init);
    const unknown = targetsWithoutLog(top);
    if (unknown !== undefined && unknown.length > 0) {
      // exit 1: what was asked (the workflow's files gone) is not done, and a script must see it
      const log = `${shownFile(init)}${top.logPath.slice(workflowPlace(init).file.length)}`;
      output.err(`skein flow: --clean: no log ${log}: nothing is known to be made by this workflow, so nothing was removed; ${unknown.length} of its targets ${unknown.length === 1 ? "exists" : "exist"} (remove by hand what it made)\n`);
      return 1;
    }
    cleaned = cleanTree(top, load, init.dryRun);
  } catch (error) {
    // a workflow error still reads `file:line:column: problem`; the next line says --clean did nothing
    output.err(`${error instanceof WorkflowError ? error.message : `skein flow: --clean: ${(error as Error).message}`}\n`);
    if (error instanceof WorkflowError) output.err("skein flow: --clean: stopped at this error\n");
    return 1;
  }
  // what --clean says (clean-report.ts): its count is of the paths the dry run lists, and it names the files it keeps
  const report = cleanReport(cleaned, workflowPlace(init).directory, init);
  for (const line of report.out) output.out(line);
  for (const line of report.err) output.err(line);
  return 0;
}

/**
 * Renaming (`local->remote`) needs a sandbox per job, which only workers give: a rule that
 * renames a file and would run on this machine (any rule with -T local, `LOCAL` rules) or on
 * Slurm (a shared file system, commands in the workflow's directory) is a WorkflowError at
 * the renamed file, before anything runs — not a command that fails later on a name it cannot
 * find.
 */
export function checkRenaming(workflow: Workflow, target: NonNullable<RunInit["target"]>): void {
  for (const rule of workflow.rules) {
    if (target === "workers" && !rule.local && !rule.nested) {
      checkSandboxNames(rule.sources);
      checkSandboxNames(rule.targets);
    }
    if (rule.nested || (target === "workers" && !rule.local)) continue;
    const renamed = rule.sources.find(isRenamed) ?? rule.targets.find(isRenamed);
    if (renamed === undefined) continue;
    const where = rule.local ? "a LOCAL rule runs in the workflow's directory" : `-T ${target} runs commands in the workflow's directory`;
    throw new WorkflowError(renamed.location, `'${writtenPath(renamed)}->${renamed.remoteName}' renames a file in the job's sandbox, which only -T workers gives; ${where}`);
  }
}

/**
 * On a worker a file is named in the job's sandbox as written: an absolute or `../` name would
 * leave it. Such a file must be renamed (`/w/b->b`); said at the file before anything runs,
 * not when its rule's turn comes (the worker refuses it then too).
 */
function checkSandboxNames(files: readonly FileReference[]): void {
  for (const file of files) {
    const problem = sandboxPathProblem(file.remoteName);
    if (problem === undefined) continue;
    const name = file.remoteName.split("/").filter((part) => part !== "" && part !== "..").pop() ?? "f";
    throw new WorkflowError(file.location, `'${file.remoteName}' would escape the worker's sandbox (${problem}); rename it with local->remote ('${file.remoteName}->${name}')`);
  }
}

/**
 * Rules that count as complete: done in the log, every target still present, every rule they
 * wait for complete too (a rule made again makes its dependants stale), and no source file of
 * theirs (one no rule makes) modified since they were done — as upstream Makeflow decides a
 * rerun, except that a modification time in the future counts only once the file changes again
 * (source-times.ts). Directories are not compared (their time changes with every file made inside).
 * A nested workflow rule is complete only when its nested workflow is (nested-complete.ts).
 */
export function completedRules(loaded: Loaded, init?: RunInit): Set<number> {
  const complete = new Set<number>();
  const nestedCounts = new Map<number, number>(); // the bar's count of each complete nested workflow's rules
  const { plan: planned, summary, directory } = loaded;
  for (const rule of planned.order) {
    if (!summary.done.has(rule)) continue;
    if (!planned.dependencies[rule]!.every((dependency) => complete.has(dependency))) continue;
    const { targets, sources } = planned.workflow.rules[rule]!;
    if (!targets.every((t) => existsSync(absolutePath(directory, t.path)))) continue;
    const doneAtMs = summary.doneAtMs.get(rule)!;
    if (sources.some((s) => !planned.producers.has(s.path) && loaded.sourceTimes.changedAtMs(s.path) > doneAtMs)) continue;
    if (init !== undefined && planned.workflow.rules[rule]!.nested !== undefined) {
      const count = nestedComplete(loaded, planned.workflow.rules[rule]!, init, { load: (nestedInit) => loadWorkflow(nestedInit, loaded.sourceTimes.nowMs), completed: completedRules });
      if (count === undefined) continue;
      nestedCounts.set(rule, count);
    }
    complete.add(rule);
  }
  rememberNestedRuleCounts(complete, nestedCounts);
  return complete;
}

function stateFromLog(complete: Set<number>, summary: LogSummary): (rule: number) => RuleState {
  // an interrupted rule's outputs may be partial: it is shown as failed, as one that failed for good
  return (rule) => (complete.has(rule) ? "done" : summary.interrupted.has(rule) || summary.failed.has(rule) ? "failed" : "waiting");
}

export async function runFlow(init: RunInit, components: RunComponents): Promise<number> {
  const output = components.output ?? standardOutput;
  // a reader that goes away (`--dry-run | head`) cuts what is printed, never crashes the
  // command; output that could not be written (`--dry-run > full-disk/list`, ENOSPC) fails it:
  // what was asked for is not all there
  let unwritten: string | undefined;
  const stopWatching = output.onOutClosed?.((reason) => {
    if (!reason.endsWith("(EPIPE)")) unwritten ??= reason;
  });
  try {
    const code = await runWith(init, components, output);
    // a write's error is told after it (on a later turn of the event loop)
    if (code === 0 && output === standardOutput) await new Promise((resolve) => setImmediate(resolve));
    if (code !== 0 || unwritten === undefined) return code;
    output.err(`skein flow: ${unwritten}\n`);
    return 1;
  } finally {
    stopWatching?.();
  }
}

/**
 * Checks the workflow file and the --dot file, then takes the log's lock (unless --dry-run,
 * which writes nothing) for the rest of the run: a second master on the same workflow stops
 * here, naming the first, before it reads the log or touches a file.
 */
async function runWith(given: RunInit, components: RunComponents, output: Output): Promise<number> {
  let init = given;
  let release: (() => void) | undefined;
  try {
    if (!existsSync(init.file)) throw new Error(`${shownFile(init)}: no such workflow file`);
    if (statSync(init.file).isDirectory()) {
      // `skein flow examples/flow/x`: the directory's Makeflow, as if started there with no file
      const inside = join(init.file, "Makeflow");
      if (!statSync(inside, { throwIfNoEntry: false })?.isFile()) throw new Error(`${shownFile(init)}: is a directory with no file named Makeflow in it; name the workflow file`);
      init = { ...init, file: inside };
    }
    // a pipe (`skein flow /dev/stdin`, `<(…)`) would run in /dev/fd with its log there; a FIFO with no writer hangs the read
    const special = specialFile(statSync(init.file));
    if (special !== undefined) throw new Error(`${shownFile(init)}: is ${special}, not a workflow file (a run keeps its log beside the file and runs in its directory); write the workflow to a file`);
    // a nested workflow's directory (`MAKEFLOW sub.mf dir`) that is not there: said, not left to the commands started in it
    if (init.directory !== undefined && !statSync(init.directory, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`cannot run ${shownFile(init)} in ${shownDirectory(init)}: ${existsSync(init.directory) ? "not a directory" : "no such directory"}`);
    if (init.dotFile) checkDotFile(init.dotFile);
    if (!init.dryRun) {
      const { file, directory } = workflowPlace(init);
      release = lockLog(workflowLogPath(file, directory));
    }
  } catch (error) {
    output.err(`skein flow: ${(error as Error).message}\n`);
    components.onFailed?.((error as Error).message);
    return 1;
  }
  try {
    return await runLocked(init, components, output);
  } finally {
    release?.();
  }
}

async function runLocked(init: RunInit, components: RunComponents, output: Output): Promise<number> {
  let loaded: Loaded;
  try {
    if (init.clean) return cleanWorkflow(init, output);
    loaded = loadWorkflow(init, components.clock.epochMs());
    // the DOT written at the end must not replace the workflow, its log, a target or a source
    if (init.dotFile) checkDotPlace(init.dotFile, { workflowFile: workflowPlace(init).file, logPath: loaded.logPath, directory: loaded.directory, rules: loaded.plan.workflow.rules });
  } catch (error) {
    // a workflow error reads `file:line:column: problem`, as a compiler's; anything else (a
    // missing or unreadable file) is the command's own complaint
    // (a nested run's is its MAKEFLOW rule's failure reason, said by the run around it: once)
    if (init.enclosing === undefined || components.onFailed === undefined) output.err(`${error instanceof WorkflowError ? error.message : `skein flow: ${(error as Error).message}`}\n`);
    components.onFailed?.((error as Error).message);
    return 1;
  }
  const complete = completedRules(loaded, init);
  const rules = loaded.plan.workflow.rules;
  const skew = loaded.sourceTimes.warning();
  if (skew !== undefined) output.err(skew);
  const local = { cores: init.jobs ?? availableParallelism(), memoryMb: Math.floor(totalmem() / 1048576) };
  if (init.dryRun) {
    // the rules a run would refuse (dry-run-refusals.ts): said as the run says them, and the dry run fails as the run would
    const refusals = await predictRefusals(loaded, complete, init, local, components.gpus ?? localGpus);
    // nested workflows' commands too, under their MAKEFLOW rules (nested-dry-run.ts)
    const listed = printDryRun(loaded, complete, init, output, { load: (nestedInit) => loadWorkflow(nestedInit, loaded.sourceTimes.nowMs), completed: completedRules }, refusals?.reasons);
    for (const line of refusals?.lines ?? []) output.err(line);
    const code = refusals === undefined ? listed : 1;
    // the targets a run would keep as <target>.skein-old (aside-preview.ts): stderr, or would-set-aside objects with --json
    const asides = asidePreviewLines(asidePreview(loaded.plan.workflow, loaded.directory, loaded.summary, loaded.plan.order, complete), init.json === true);
    for (const line of asides.out) output.out(line);
    for (const line of asides.err) output.err(line);
    if (init.dotFile && !writeDot(init.dotFile, toDot(loaded.plan, stateFromLog(complete, loaded.summary)), output)) return 1;
    return code;
  }
  const runEvent = runEvents(init, components.clock, output);
  // `backEnd` names the back end; `target`, the same, is kept for older readers (rule events use `target` for a file)
  runEvent?.({ state: "started", backEnd: init.target ?? "local", target: init.target ?? "local", rules: rules.length, done: complete.size, epochMs: components.clock.epochMs() });
  if (complete.size === rules.length) {
    output.err(rules.length === 0 ? "skein flow: nothing to do, the workflow has no rules\n" : "skein flow: nothing to do, every rule is done\n");
    // a nested run found done still shows its rules on the bar, as the top run's found done
    // are (a MAKEFLOW rule as its nested workflow's rules, as when they ran)
    const count = [...nestedRuleCounts(complete).values()].reduce((sum, nested) => sum + nested - 1, rules.length);
    const done = { counts: { waiting: 0, ready: 0, running: 0, retrying: 0, done: count, failed: 0 }, queued: 0, doneBefore: count };
    components.enclosingProgress?.(() => done)();
    runEvent?.({ state: "finished", ok: true, ran: 0 });
    if (init.dotFile) return writeDot(init.dotFile, toDot(loaded.plan, stateFromLog(complete, loaded.summary)), output) ? 0 : 1;
    return 0;
  }
  compactIfLarge(loaded, output);
  let log: LogFile;
  try {
    log = new LogFile(loaded.logPath, components.clock);
  } catch (error) {
    output.err(`skein flow: cannot write the transaction log ${loaded.logPath} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); nothing was run\n`);
    return 1;
  }
  try {
    // --json says where workers find the master (`-p 0` picks a free port): `{state: "listening", port}`
    const onListening = (port: number) => {
      init.onListening?.(port);
      runEvent?.({ state: "listening", port });
    };
    const cores = local.cores;
    // the top run's -j is the budget of every run nested in it (nested-job-budget.ts); a
    // workflow that nests none needs no budget: its launcher caps its commands, and queues them
    const jobs = components.jobs ?? (rules.some((rule) => rule.nested !== undefined) ? new JobBudget(cores).top() : undefined);
    const result = await execute(loaded, complete, log, { ...init, onListening }, { ...components, output, jobs }, local);
    if (result.ok) output.err(`skein flow: done, ${result.ran} ${result.ran === 1 ? "rule" : "rules"} ran\n`);
    else {
      output.err(`${result.unfinished === undefined ? "" : `skein flow: ${result.unfinished}\n`}skein flow: stopped: ${result.reason}\n`);
      if (result.reason !== undefined) components.onFailed?.(result.reason);
    }
    // after the run's last line: a DOT that cannot be written is said last, not before a `done` that would read as the end of it
    const dotWritten = !init.dotFile || writeDot(init.dotFile, toDot(loaded.plan, result.stateOf), output);
    runEvent?.({ state: "finished", ok: result.ok, ran: result.ran, reason: result.ok ? undefined : result.reason });
    return result.ok ? (dotWritten ? 0 : 1) : result.stoppedBy ? stopSignals[result.stoppedBy] : 1;
  } catch (error) {
    if (!(error instanceof BackEndError)) throw error;
    output.err(`skein flow: ${error.message}\n`);
    // --json: a reader that saw `started` sees the run end too
    runEvent?.({ state: "finished", ok: false, ran: 0, reason: error.message });
    return 1;
  } finally {
    await log.close();
  }
}

/**
 * Rewrites a log grown far past its live lines (many reruns) before the run appends to it. A
 * failure (a full disk) keeps the old log, which is still correct, and says so.
 */
function compactIfLarge(loaded: Loaded, output: Output): void {
  if (!logNeedsCompaction(loaded.logRead)) return;
  try {
    compactLog(loaded.logPath, loaded.logRead);
  } catch (error) {
    output.err(`skein flow: could not compact the transaction log ${loaded.logPath} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); it is kept as it was\n`);
  }
}

/**
 * --json: the run's own events around its rules' — `started` (the target, how many rules, how
 * many the log says are done, the wall-clock time) and `finished` (ok, how many ran, why it
 * stopped) — named by the workflow file's absolute path, so a reader knows when a run (or a nested one) begins
 * and ends, even one with nothing to do.
 */
function runEvents(init: RunInit, clock: Clock, output: Output): ((event: Record<string, unknown>) => void) | undefined {
  if (!init.json) return undefined;
  const originMs = clock.nowMs();
  // absolute, as a nested run's: the name of a run for a program reading the stream, the same
  // whatever directory it reads from (a nested file as written is relative to the workflow
  // around it); the lines on standard error show the names as written
  const name = nestedRunName(init) ?? { run: resolve(init.file) };
  return (event) => output.out(`${JSON.stringify({ timeMs: Math.round(clock.nowMs() - originMs), ...name, ...event })}\n`);
}
