// skein-io-adapter: wires the scheduler to executors, the log file, signals and the terminal.
/**
 * Runs what is left of a loaded workflow on the chosen back end and reports as it goes:
 * each state change goes to the transaction log (and, with --json, to standard output as one
 * JSON object), failures are explained on standard error, and a terminal gets a progress bar.
 */
import type { Clock } from "@skein/core";
import { type StopSignal, stopSignals } from "@skein/ftsh/stop-signals";
import type { Executor, ExecutorListener, RunEnd } from "../executors/executor.ts";
import { missingList } from "../executors/executor.ts";
import { LocalExecutor, missingTargets } from "../executors/local-executor.ts";
import { writtenPath } from "../language/canonical-path.ts";
import { formatLocation } from "../language/errors.ts";
import type { LogFile } from "../log/log-file.ts";
import { logHashes, logLine } from "../log/transaction-log.ts";
import { Scheduler } from "../schedule/scheduler.ts";
import type { RuleState, TaskOutcome } from "../schedule/types.ts";
import type { Rule } from "../workflow.ts";
import { StaleTargets } from "./stale-targets.ts";
import { Driver } from "./driver.ts";
import { progressLine } from "./progress.ts";
import { StatusLine } from "./status-line.ts";
import type { Loaded } from "./run-flow.ts";
import { nestedRunInit, nestingDepthMax, type Output, type RunComponents, type RunInit, workflowLogPath } from "./run-options.ts";

/**
 * Runs in progress — nested workflows run in this process too — each stopped by a stop signal
 * (running commands are killed, the log stays ready for a resume; a second signal finds no
 * handler and kills the process at once).
 * One process listener per signal serves them all (a listener per run would trip Node's
 * leak warning past ten nested runs), installed while any run is in progress.
 */
const signalled = new Set<(signal: StopSignal) => void>();
const dispatchStop = (signal: StopSignal) => {
  // innermost first (a nested run registers after the run around it): each nested run stops
  // for the signal itself, before its enclosing run aborts it
  for (const stop of [...signalled].reverse()) stop(signal);
};

function onStopSignal(stop: (signal: StopSignal) => void): () => void {
  if (signalled.size === 0) for (const signal of Object.keys(stopSignals)) process.once(signal, dispatchStop);
  signalled.add(stop);
  return () => {
    signalled.delete(stop);
    if (signalled.size === 0) for (const signal of Object.keys(stopSignals)) process.removeListener(signal, dispatchStop);
  };
}

export interface ExecuteResult {
  readonly ok: boolean;
  readonly reason: string | undefined;
  /** The signal that stopped the run, if one did. */
  readonly stoppedBy: StopSignal | undefined;
  readonly ran: number;
  /** What the stop left undone, as one line (`the run stopped with 2 rules running, killed (a, b); …`), if anything. */
  readonly unfinished: string | undefined;
  readonly stateOf: (rule: number) => RuleState;
}

/** A back end that cannot start (a port in use): the message is for the user, the run ends with exit 1. */
export class BackEndError extends Error {}

/** A back end adds its executors through the listener and returns how to shut it down. */
export type BackEnd = (context: BackEndContext) => Promise<{ close(end?: RunEnd): Promise<void> }>;

export interface BackEndContext {
  readonly loaded: Loaded;
  readonly init: RunInit;
  readonly listener: ExecutorListener;
  readonly output: Output;
  readonly clock: Clock;
  readonly local: LocalMachine;
  readonly runNested: (rule: Rule, stop: AbortSignal) => Promise<TaskOutcome>;
}

export interface LocalMachine {
  readonly cores: number;
  readonly memoryMb: number;
}

/** How often a terminal's progress bar is redrawn. */
const progressIntervalMs = 200;
/** On a terminal without a size, the status comes as a whole line this often (see StatusLine). */
const plainStatusEveryMs = 10_000;

const backEnds = new Map<string, () => Promise<BackEnd>>([
  ["workers", async () => (await import("../workers/worker-back-end.ts")).workersBackEnd],
  ["slurm", async () => (await import("../executors/slurm-back-end.ts")).slurmBackEnd],
]);

/** Cores' worth of tasks queued in the local launcher beyond the running ones. */
export const localPipelinePerCore = 64;
export const localPipelineMax = 512;

function localPipelineCores(cores: number): number {
  return Math.min(cores * localPipelinePerCore, localPipelineMax);
}

function localExecutor(context: BackEndContext, runsRemoteRules: boolean): Executor {
  const { local } = context;
  const info = {
    id: "local",
    capacity: { cores: local.cores, memoryMb: local.memoryMb, diskMb: Number.MAX_SAFE_INTEGER, gpus: 0 },
    runsLocalRules: true,
    runsRemoteRules,
    fastAbort: false,
    // More tasks wait in the launcher, each started the moment a core frees up; it reports
    // ends in batches while enough are queued (holdReports), so the master wakes per batch.
    pipelineCores: localPipelineCores(local.cores),
  };
  const outputFd = context.init.json ? 2 : 1;
  return new LocalExecutor({ info, directory: context.loaded.directory, outputFd, runNested: context.runNested }, context.listener);
}

/**
 * Runs a nested workflow rule in this process. It fails, without running, when its workflow
 * (file and directory) already runs around it or when it would be nested more than
 * `nestingDepthMax` deep; after a run that succeeds, every target the rule declares must
 * exist, as after a command.
 */
function nestedRunner(loaded: Loaded, init: RunInit, components: RunComponents & { readonly output: Output }): (rule: Rule, stop: AbortSignal) => Promise<TaskOutcome> {
  return async (rule, stop) => {
    const { runFlow } = await import("./run-flow.ts");
    const nested = rule.nested!;
    const nestedInit = nestedRunInit(loaded.directory, nested, init, loaded.logPath);
    const enclosing = nestedInit.enclosing!;
    if (enclosing.includes(workflowLogPath(nestedInit.file, nestedInit.directory!))) {
      return { ok: false, reason: `nested workflow ${nested.file} already runs around this rule, in ${nestedInit.directory}: a workflow cannot nest itself` };
    }
    if (stop.aborted) return { ok: false, reason: `nested workflow ${nested.file} was not started: the enclosing workflow stopped` };
    if (enclosing.length >= nestingDepthMax) return { ok: false, reason: `nested workflow ${nested.file} would be nested more than ${nestingDepthMax} levels deep` };
    const code = await runFlow(nestedInit, { clock: components.clock, random: components.random, output: labelledOutput(components.output, nested.file), stop });
    if (code !== 0) return { ok: false, reason: `nested workflow ${nested.file} failed` };
    const missing = missingTargets(rule, loaded.directory);
    return missing.length === 0 ? { ok: true } : { ok: false, reason: `the nested workflow ${nested.file} succeeded but did not create ${missingList(missing)}` };
  };
}

/**
 * A nested run's output: its own lines (`skein flow: stopped: …`, a rule's failure) read
 * `skein flow: sub.mf: …`, named by the nested file as the enclosing workflow wrote it (nested
 * deeper, `skein flow: sub.mf: leaf.mf: …`), so they are not taken for the enclosing run's.
 * Other lines (a command's output under a failure, a workflow error naming its file) pass as
 * they are; so does --json's standard output, whose run events name the file.
 */
export function labelledOutput(output: Output, label: string): Output {
  const own = "skein flow: ";
  return {
    out: (text) => output.out(text),
    err: (text) => output.err(text.replace(/^skein flow: /gm, `${own}${label}: `)),
    onOutClosed: output.onOutClosed === undefined ? undefined : (closed) => output.onOutClosed!(closed),
  };
}

/**
 * The progress bar's line on standard error, on the terminal's bottom row (see StatusLine),
 * redrawn when the terminal is resized; if this process stops (Ctrl-Z) or exits with the bar
 * still up (an uncaught error), the terminal gets its whole screen back first.
 */
function statusLine(output: Output): { line: StatusLine; close(): void } {
  const line = new StatusLine({ write: (text) => output.err(text), get rows() { return process.stderr.rows; } }, { plainEvery: plainStatusEveryMs / progressIntervalMs });
  const resized = () => line.resized();
  const exiting = () => line.finish();
  // Ctrl-Z: the terminal gets its whole screen back before this process stops (a handler
  // replaces the default stop, so it stops itself); continued, the bar takes the bottom row again
  const suspend = () => {
    line.suspend();
    process.kill(process.pid, "SIGSTOP");
  };
  const resumed = () => line.resumed();
  process.stderr.on("resize", resized);
  process.on("exit", exiting);
  process.on("SIGTSTP", suspend);
  process.on("SIGCONT", resumed);
  return {
    line,
    close() {
      process.stderr.removeListener("resize", resized);
      process.removeListener("exit", exiting);
      process.removeListener("SIGTSTP", suspend);
      process.removeListener("SIGCONT", resumed);
    },
  };
}

/** Which executor each running rule is on, and how many rules each executor runs (-T workers). */
class RunningOn {
  private readonly executorOf = new Map<number, string>();
  private readonly counts = new Map<string, number>();

  /** Notes that `rule` now runs on `executorId` (undefined: on none). */
  set(rule: number, executorId: string | undefined): void {
    const before = this.executorOf.get(rule);
    if (before === executorId) return;
    if (before !== undefined) {
      this.counts.set(before, this.counts.get(before)! - 1);
      this.executorOf.delete(rule);
    }
    if (executorId === undefined) return;
    this.executorOf.set(rule, executorId);
    this.counts.set(executorId, (this.counts.get(executorId) ?? 0) + 1);
  }

  count(executorId: string): number {
    return this.counts.get(executorId) ?? 0;
  }
}

/** Rules named in the line about killed ones; the rest are counted. */
const unfinishedNamedMax = 10;

/**
 * Rules a stop took back: killed while running, or dispatched and not started. One line for
 * all at the end (a stop at -j 64 would otherwise print 64 lines of the same reason).
 */
class Unfinished {
  private readonly killed: string[] = [];
  private killedCount = 0;
  private notStarted = 0;

  add(kind: "killed" | "not-started", name: string): void {
    if (kind === "not-started") {
      this.notStarted++;
      return;
    }
    if (this.killedCount++ < unfinishedNamedMax) this.killed.push(name);
  }

  summary(): string | undefined {
    const rules = (count: number) => `${count} ${count === 1 ? "rule" : "rules"}`;
    const parts: string[] = [];
    if (this.killedCount > 0) {
      const more = this.killedCount > this.killed.length ? `, and ${this.killedCount - this.killed.length} more` : "";
      parts.push(`${rules(this.killedCount)} running, killed (${this.killed.join(", ")}${more})`);
    }
    if (this.notStarted > 0) parts.push(`${rules(this.notStarted)} queued, not started`);
    return parts.length === 0 ? undefined : `the run stopped with ${parts.join(", and ")}; a rerun runs them`;
  }
}

/** A rule as the user reads it: its first target as the workflow wrote it (not its DAG name). */
function shownTarget(rule: Rule): string {
  return writtenPath(rule.targets[0]!);
}

/** A failed command's output, each line under a bar so it stands apart from Skein's own lines. */
function indentOutput(text: string): string {
  return `${text.replace(/\n$/, "").split("\n").map((line) => `  | ${line}`).join("\n")}\n`;
}

export async function execute(loaded: Loaded, complete: Set<number>, log: LogFile, init: RunInit, components: RunComponents & { readonly output: Output }, local: LocalMachine): Promise<ExecuteResult> {
  const { clock, output } = components;
  const rules = loaded.plan.workflow.rules;
  const target = init.target ?? "local";
  const scheduler = new Scheduler(
    loaded.plan,
    {
      retryCount: init.retryCount ?? 0,
      backoff: { initialMs: init.retryDelayMs ?? 1_000 },
      fastAbortMultiplier: target === "workers" && init.fastAbortMultiplier !== 0 ? (init.fastAbortMultiplier ?? 3) : undefined,
      executorsMayJoin: target === "workers",
      reportStarts: init.json,
    },
    { random: components.random, isDone: (rule) => complete.has(rule) },
  );
  // --json: a nested run's rule events name its workflow file, as its run events do (the rule
  // numbers and targets are its own); the top run's events stay as they were
  const nestedRun = init.enclosing === undefined ? undefined : init.file;
  const progress = init.progress ?? (process.stderr.isTTY === true && !init.json && process.env.TERM !== "dumb");
  let ran = 0;
  const hashes = new Map<number, string>();
  /** Why the run was stopped before it was over, if it was: executors and back ends are told. */
  let stopped: string | undefined;
  const staleTargets = new StaleTargets(loaded.plan.workflow, loaded.directory);
  /** Rules the run stopped before they finished: said once at the end, not a line each. */
  const unfinished = new Unfinished();
  /** The rules running on each executor, to say how many go back to the queue when it leaves. */
  const runningOn = new RunningOn();
  const driver = new Driver(scheduler, loaded.plan.workflow, {
    state(action, nowMs) {
      const rule = rules[action.rule]!;
      if (target === "workers") runningOn.set(action.rule, action.state === "running" ? action.executorId : undefined);
      if (action.state === "running" || action.state === "done" || action.state === "failed" || action.state === "retrying") {
        let hash = hashes.get(action.rule);
        if (hash === undefined) hashes.set(action.rule, (hash = logHashes(rule)));
        log.append(logLine(clock.epochMs(), action.rule, action.state, action.attempt, hash));
      }
      if (action.state === "done") ran++;
      if (init.json) {
        const { state, attempt, executorId, reason, durationMs } = action;
        const event = { timeMs: Math.round(nowMs), rule: action.rule, target: shownTarget(rule), state, attempt, executorId, reason, durationMs, run: nestedRun };
        output.out(`${JSON.stringify(event)}\n`);
      }
      if (action.unfinished !== undefined) unfinished.add(action.unfinished, shownTarget(rule));
      else if (action.reason && action.reason !== "retry" && !action.routine) {
        output.err(`skein flow: ${shownTarget(rule)}: ${action.state}: ${action.reason}\n`);
        if (action.output !== undefined) output.err(indentOutput(action.output));
      }
    },
    started: init.json
      ? (action, nowMs) => {
          const event = { timeMs: Math.round(nowMs), rule: action.rule, target: shownTarget(rules[action.rule]!), state: "started", attempt: action.attempt, executorId: action.executorId, run: nestedRun };
          output.out(`${JSON.stringify(event)}\n`);
        }
      : undefined,
    stalled(action, nowMs) {
      const rule = rules[action.rule]!;
      output.err(`skein flow: rule '${shownTarget(rule)}' (${formatLocation(rule.location)}) ${action.reason}\n`);
      if (init.json) output.out(`${JSON.stringify({ timeMs: Math.round(nowMs), rule: action.rule, target: shownTarget(rule), state: "stalled", reason: action.reason })}\n`);
    },
    commit: () => {
      if (log.write()) return undefined;
      stopped ??= `cannot write the transaction log ${log.path}: ${log.failure?.message}`;
      return stopped;
    },
    beforeStart: (rule, attempt) => staleTargets.beforeStart(rule, attempt),
  }, clock);
  const context: BackEndContext = { loaded, init, listener: driver, output, clock, local, runNested: nestedRunner(loaded, init, components) };
  const executors: Executor[] = [];
  /**
   * --json: executors (this machine, each worker) as they join and leave, beside the rules'
   * events, until the run is over (workers then leave because the master said goodbye).
   */
  let over = false;
  const executorEvent = (event: Record<string, unknown>) => {
    if (init.json && !over) output.out(`${JSON.stringify({ timeMs: Math.round(driver.nowMs()), ...event })}\n`);
  };
  const listener: ExecutorListener = {
    joined: (executor) => {
      executors.push(executor);
      const { id, capacity } = executor.info;
      // a limit this machine does not have (the local executor's disk) is null, not 2^53 - 1
      const bound = (value: number) => (value >= Number.MAX_SAFE_INTEGER ? null : value);
      executorEvent({ executor: id, state: "joined", cores: capacity.cores, memoryMb: bound(capacity.memoryMb), diskMb: bound(capacity.diskMb) });
      driver.joined(executor);
    },
    left: (executorId, reason) => {
      executorEvent({ executor: executorId, state: "left", reason });
      // once for all its tasks (each one's own line says the same: --json only)
      const lost = runningOn.count(executorId);
      if (lost > 0 && !over) output.err(`skein flow: ${executorId} left (${reason}): ${lost === 1 ? "its task runs" : `its ${lost} tasks run`} elsewhere\n`);
      driver.left(executorId, reason);
    },
    finished: (task, outcome) => driver.finished(task, outcome),
    awaiting: (task) => driver.awaiting(task),
    running: (task) => driver.running(task),
    batch: (report) => driver.batch(report),
  };
  const backEnd = target === "local" ? undefined : await (await backEnds.get(target)!())({ ...context, listener });
  listener.joined(localExecutor({ ...context, listener }, target === "local"));
  let stoppedBy: StopSignal | undefined;
  const stop = (reason: string) => {
    stopped ??= reason;
    driver.stop(reason);
  };
  const stopListening = onStopSignal((signal) => {
    stoppedBy ??= signal;
    stop(`interrupted by ${signal}`);
  });
  // --json's reader, or standard error's, went away: stop as a clean interrupt would, rather
  // than run on unwatched (or die of the write error). Without --json nothing of the master's
  // goes to standard output; commands writing there get SIGPIPE themselves.
  const stopWatchingOut = output.onOutClosed?.(stop);
  const enclosingStopped = () => stop("the enclosing workflow stopped");
  components.stop?.addEventListener("abort", enclosingStopped, { once: true });
  if (components.stop?.aborted) enclosingStopped();
  const currentProgress = () => progressLine({ counts: scheduler.counts(), queued: scheduler.dispatchCounts().queued, workers: target === "workers" ? scheduler.executorCount - 1 : undefined, elapsedMs: driver.nowMs() }, process.stderr.columns);
  const status = progress ? statusLine(output) : undefined;
  const timer = status ? clock.setPeriodic(progressIntervalMs, () => status.line.draw(currentProgress())) : undefined;
  /** Why the run failed, if it did (an error thrown here fails it too): workers are told in their goodbye. */
  let failed: string | undefined = "the master stopped on an internal error";
  try {
    const result = await driver.start();
    over = true;
    failed = result.ok ? undefined : (result.reason ?? "the workflow failed");
    return { ...result, ran, stoppedBy, unfinished: unfinished.summary(), stateOf: (rule) => scheduler.stateOf(rule) };
  } finally {
    stopListening();
    stopWatchingOut?.();
    components.stop?.removeEventListener("abort", enclosingStopped);
    if (timer) {
      timer.cancel();
      status!.line.finish(currentProgress());
      status!.close();
    }
    const end: RunEnd = stopped !== undefined ? { stopped } : failed !== undefined ? { failed } : {};
    for (const executor of executors) await executor.close(end);
    await backEnd?.close(end);
  }
}
