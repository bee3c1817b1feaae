// skein-io-adapter: wires the scheduler to executors, the log file, signals and the terminal.
/**
 * Runs what is left of a loaded workflow on the chosen back end and reports as it goes:
 * each state change goes to the transaction log (and, with --json, to standard output as one
 * JSON object), failures are explained on standard error, and a terminal gets a progress bar.
 */
import type { Clock } from "@skein/core";
import { type StopSignal, stopSignals } from "@skein/ftsh/stop-signals";
import type { Executor, ExecutorListener, RunEnd } from "../executors/executor.ts";
import { LocalExecutor } from "../executors/local-executor.ts";
import { type GpuCount, localGpus } from "../executors/local-gpus.ts";
import { writtenPath } from "../language/canonical-path.ts";
import { formatLocation } from "../language/errors.ts";
import type { LogFile } from "../log/log-file.ts";
import { RuleLogLines } from "../log/rule-log-lines.ts";
import { Scheduler } from "../schedule/scheduler.ts";
import type { ExecutorInfo, TaskOutcome } from "../schedule/types.ts";
import type { Rule } from "../workflow.ts";
import { StaleTargets } from "./stale-targets.ts";
import { Driver } from "./driver.ts";
import { nestedRuleCounts } from "./nested-complete.ts";
import { budgetedExecutor } from "./nested-job-budget.ts";
import { nestedRunner } from "./nested-run.ts";
import { LastFinish, progressLine, progressWidthDefault } from "./progress.ts";
import { ProgressTally } from "./progress-tally.ts";
import type { Loaded } from "./run-flow.ts";
import { nestedRunName, type Output, type RunComponents, type RunInit } from "./run-options.ts";
import { Refusals, type ShownState, withGpuSource } from "./refusals.ts";
import { RunningOn, Unfinished } from "./run-tallies.ts";
import { lostTasksFate } from "./lost-tasks.ts";
import { progressIntervalMs, terminalStatus } from "./terminal-status.ts";

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
  readonly stateOf: (rule: number) => ShownState;
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

/** This machine as an executor: what the scheduler knows of it (a dry run asks its scheduler the same). */
export function localExecutorInfo(local: LocalMachine, runsRemoteRules: boolean, gpuCount: GpuCount): ExecutorInfo {
  return {
    id: "local",
    capacity: { cores: local.cores, memoryMb: local.memoryMb, diskMb: Number.MAX_SAFE_INTEGER, gpus: gpuCount.gpus },
    runsLocalRules: true,
    runsRemoteRules,
    fastAbort: false,
    // -j caps how many jobs run, not what one may use: a rule wider than -j runs alone
    widerTasksRunAlone: true,
    // More tasks wait in the launcher, each started the moment a core frees up; it reports
    // ends in batches while enough are queued (holdReports), so the master wakes per batch.
    pipelineCores: localPipelineCores(local.cores),
  };
}

function localExecutor(context: BackEndContext, runsRemoteRules: boolean, gpuCount: GpuCount, directoryGone: (reason: string) => void): Executor {
  const info = localExecutorInfo(context.local, runsRemoteRules, gpuCount);
  const outputFd = context.init.json ? 2 : 1;
  return new LocalExecutor({ info, directory: context.loaded.directory, outputFd, runNested: context.runNested, directoryGone, gpuDevices: gpuCount.devices }, context.listener);
}

/** A rule as the user reads it: its first target as the workflow wrote it (not its DAG name). */
function shownTarget(rule: Rule): string {
  return writtenPath(rule.targets[0]!);
}

/** A failed command's output, each line under a bar so it stands apart from Skein's own lines. */
function indentOutput(text: string): string {
  return `${text.replace(/\n$/, "").split("\n").map((line) => `  | ${line}`).join("\n")}\n`;
}

/**
 * The bar's totals count the rules of a nested workflow whose `MAKEFLOW` rule the log found
 * done, all done, as the run that made them did (nested-complete.ts).
 */
function countFoundDoneNested(complete: Set<number>, tally: ProgressTally): void {
  for (const [rule, count] of nestedRuleCounts(complete)) {
    const done = { counts: { waiting: 0, ready: 0, running: 0, retrying: 0, done: count, failed: 0 }, queued: 0, doneBefore: count };
    tally.attach(rule, () => done, true)();
  }
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
      // rules without CATEGORY only when k was asked for: named categories are rules declared alike
      fastAbortDefaultCategory: init.fastAbortMultiplier !== undefined,
      executorsMayJoin: target === "workers",
      reportStarts: init.json,
    },
    { random: components.random, isDone: (rule) => complete.has(rule) },
  );
  // --json: a nested run's rule events name its run, as its run events do (the rule numbers
  // and targets are its own); the top run's events stay as they were
  const nestedRun = nestedRunName(init);
  const progress = init.progress ?? (process.stderr.isTTY === true && !init.json && process.env.TERM !== "dumb");
  let ran = 0;
  const logLines = new RuleLogLines(rules, loaded.directory, log);
  /** Why the run was stopped before it was over, if it was: executors and back ends are told. */
  let stopped: string | undefined;
  // --json: a target kept as <target>.skein-old is an event too (`set-aside`), before its rule's start
  const staleTargets = new StaleTargets(loaded.plan.workflow, loaded.directory, loaded.summary.started, (line, kept) => {
    output.err(line);
    if (init.json && kept !== undefined) output.out(`${JSON.stringify({ timeMs: Math.round(driver.batchMs), rule: kept.rule, target: kept.target, state: "set-aside", aside: kept.aside, entries: kept.entries, reason: kept.why, ...nestedRun })}\n`);
  }, loaded.summary.files);
  /** Rules the run stopped before they finished: said once at the end, not a line each. */
  const unfinished = new Unfinished();
  /** The rules running on each executor, to say how many go back to the queue when it leaves. */
  const runningOn = new RunningOn();
  /** Rules no executor could ever run: refused, never run (not `failed`). */
  const refusals = new Refusals(rules);
  // GPUs are looked for only when a rule asks for some (nvidia-smi may take a while)
  const localGpuCount = rules.some((rule) => (rule.resources.gpus ?? 0) > 0) ? (components.gpus ?? localGpus)() : { gpus: 0, source: "no rule needs any" };
  const refusalReason = (reason: string) => withGpuSource(reason, localGpuCount);
  /** Aborted when this run stops starting rules (a rule failed for good): its nested runs stop starting theirs. */
  const draining = new AbortController();
  const driver = new Driver(scheduler, loaded.plan.workflow, {
    state(action, nowMs, startRefused) {
      const rule = rules[action.rule]!;
      if (action.state === "failed" && !draining.signal.aborted) draining.abort();
      if (target === "workers") runningOn.set(action.rule, action.state === "running" ? action.executorId : undefined);
      // a start refused before its command (a target that could not be set aside) is no start: not logged as one
      if ((action.state === "running" && !startRefused) || action.state === "done" || action.state === "failed" || action.state === "retrying") {
        logLines.append(clock.epochMs(), action.rule, action.state, action.attempt);
      }
      if (action.state === "done") ran++;
      if (action.state === "running") refusals.running(action.rule);
      // a rule no executor could ever run never ran: refused, with the rest of its class
      const refused = action.state === "failed" && refusals.isRefusal(action.rule, action.executorId) ? refusals.refuse(action.rule, action.reason ?? "", (other) => scheduler.stateOf(other), refusalReason(action.reason ?? "")) : undefined;
      const refusedBefore = refused === undefined && action.state === "failed" && refusals.has(action.rule);
      if (init.json && refused !== undefined) {
        for (const rule of refused) output.out(`${JSON.stringify({ timeMs: Math.round(nowMs), rule, target: shownTarget(rules[rule]!), state: "refused", attempt: action.attempt, reason: refusalReason(action.reason ?? ""), ...nestedRun })}\n`);
      } else if (init.json && !refusedBefore) {
        const { state, attempt, executorId, reason, durationMs, retryInMs } = action;
        // a MAKEFLOW rule that failed because its nested run's rules did says how many: a
        // reader counts their failed events, not this one too (as the progress bar does)
        const nestedFailed = rule.nested !== undefined && (state === "failed" || state === "retrying") ? tally.nestedFailed(action.rule) || undefined : undefined;
        const event = { timeMs: Math.round(nowMs), rule: action.rule, target: shownTarget(rule), state, attempt, executorId, reason: reason === undefined ? undefined : refusals.shown(reason), durationMs: durationMs === undefined ? undefined : Math.round(durationMs * 1000) / 1000, retryInMs, nestedFailed, ...nestedRun };
        output.out(`${JSON.stringify(event)}\n`);
      }
      if (action.unfinished !== undefined) unfinished.add(action.unfinished, shownTarget(rule));
      else if (refused !== undefined) output.err(`skein flow: ${refusals.describe(refused, refusalReason(action.reason ?? ""))}\n`);
      else if (refusedBefore) return;
      else if (action.reason && action.reason !== "retry" && !action.routine) {
        output.err(`skein flow: ${shownTarget(rule)}: ${action.state}: ${action.reason}\n`);
        if (action.output !== undefined) output.err(indentOutput(action.output));
      }
    },
    started: init.json
      ? (action, nowMs) => {
          const event = { timeMs: Math.round(nowMs), rule: action.rule, target: shownTarget(rules[action.rule]!), state: "started", attempt: action.attempt, executorId: action.executorId, ...nestedRun };
          output.out(`${JSON.stringify(event)}\n`);
        }
      : undefined,
    stalled(action, nowMs) {
      const rule = rules[action.rule]!;
      output.err(`skein flow: rule '${shownTarget(rule)}' (${formatLocation(rule.location)}) ${action.reason}\n`);
      if (init.json) output.out(`${JSON.stringify({ timeMs: Math.round(nowMs), rule: action.rule, target: shownTarget(rule), state: "stalled", reason: action.reason, ...nestedRun })}\n`);
    },
    commit: () => {
      if (log.write()) return undefined;
      stopped ??= `cannot write the transaction log ${log.path}: ${log.failure?.message}`;
      return stopped;
    },
    beforeStart: (rule, attempt) => staleTargets.beforeStart(rule, attempt),
  }, clock);
  /** This run's counts and its nested runs': the bar shows them, and a nested run hands them to the run around it. */
  const tally = new ProgressTally(() => ({ ...refusals.adjust(scheduler.counts(), (rule) => scheduler.stateOf(rule)), queued: scheduler.dispatchCounts().queued, doneBefore: complete.size }), (rule) => scheduler.stateOf(rule));
  countFoundDoneNested(complete, tally);
  const context: BackEndContext = { loaded, init, listener: driver, output, clock, local, runNested: nestedRunner(loaded, init, components, tally, draining.signal) };
  const executors: Executor[] = [];
  /**
   * --json: executors (this machine, each worker) as they join and leave, beside the rules'
   * events, until the run is over (workers then leave because the master said goodbye).
   * The top run's only: a nested run's one executor is this machine, which the top run's
   * `local` already announced (its rules' `executorId: "local"` names that machine), and which
   * never leaves before the run is over; announced again per nested run, a reader adding up
   * executors (joined minus left) would count this machine once more for every nested run.
   */
  let over = false;
  const executorEvents = init.json && nestedRun === undefined;
  const executorEvent = (event: Record<string, unknown>) => {
    if (executorEvents && !over) output.out(`${JSON.stringify({ timeMs: Math.round(driver.nowMs()), ...event })}\n`);
  };
  /** The executors connected now: whether a lost task runs elsewhere or waits (lost-tasks.ts). */
  const connected = new Map<string, ExecutorInfo>();
  const listener: ExecutorListener = {
    joined: (executor) => {
      executors.push(executor);
      connected.set(executor.info.id, executor.info);
      const { id, capacity } = executor.info;
      // a limit this machine does not have (the local executor's disk) is null, not 2^53 - 1
      const bound = (value: number) => (value >= Number.MAX_SAFE_INTEGER ? null : value);
      executorEvent({ executor: id, state: "joined", cores: capacity.cores, memoryMb: bound(capacity.memoryMb), diskMb: bound(capacity.diskMb), gpus: capacity.gpus });
      driver.joined(executor);
    },
    left: (executorId, reason) => {
      executorEvent({ executor: executorId, state: "left", reason });
      // once for all its tasks (each one's own line says the same: --json only)
      connected.delete(executorId);
      const lost = runningOn.rulesOn(executorId);
      if (lost.length > 0 && !over) output.err(`skein flow: ${executorId} left (${reason}): ${lostTasksFate(lost.map((rule) => rules[rule]!), [...connected.values()])}\n`);
      driver.left(executorId, reason);
    },
    finished: (task, outcome) => driver.finished(task, outcome),
    awaiting: (task) => driver.awaiting(task),
    running: (task) => driver.running(task),
    batch: (report) => driver.batch(report),
  };
  const backEnd = target === "local" ? undefined : await (await backEnds.get(target)!())({ ...context, listener });
  // this machine's jobs, nested runs' too, share the top run's -j (nested-job-budget.ts)
  listener.joined(budgetedExecutor(components.jobs, listener, (gated) => localExecutor({ ...context, listener: gated }, target === "local", localGpuCount, (reason) => stop(reason))));
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
  // the run around this one stopped starting rules (one of its own failed for good): so does this one, and its nested runs
  // (after the enclosing run's batch: a nested task dropped gives back cores the enclosing run's tasks may take)
  const enclosingDrained = () =>
    queueMicrotask(() => {
      driver.drain("the enclosing workflow stopped starting rules");
      if (!draining.signal.aborted) draining.abort();
    });
  components.drain?.addEventListener("abort", enclosingDrained, { once: true });
  if (components.drain?.aborted) enclosingDrained();
  const endNestedProgress = components.enclosingProgress?.(() => tally.read());
  const lastFinish = new LastFinish();
  // the last line stays in the scrollback: whole (it may wrap), not cut to a narrow terminal
  const currentProgress = (ended = false) => {
    const read = tally.read();
    const elapsedMs = driver.nowMs();
    const lastFinishMs = lastFinish.at(read.counts.done + read.counts.failed, elapsedMs);
    return progressLine({ ...read, workers: target === "workers" ? scheduler.executorCount - 1 : undefined, elapsedMs, lastFinishMs, ended }, ended ? Math.max(process.stderr.columns ?? 0, progressWidthDefault) : process.stderr.columns);
  };
  const status = progress ? terminalStatus(output) : undefined;
  const timer = status ? clock.setPeriodic(progressIntervalMs, () => status.line.draw(currentProgress())) : undefined;
  /** Why the run failed, if it did (an error thrown here fails it too): workers are told in their goodbye. */
  let failed: string | undefined = "the master stopped on an internal error";
  try {
    const result = await driver.start();
    over = true;
    const reason = refusals.stopReason(result.reason);
    failed = result.ok ? undefined : (reason ?? "the workflow failed");
    return { ...result, reason, ran, stoppedBy, unfinished: unfinished.summary(), stateOf: (rule) => refusals.stateOf(rule, scheduler.stateOf(rule)) };
  } finally {
    endNestedProgress?.();
    stopListening();
    stopWatchingOut?.();
    components.stop?.removeEventListener("abort", enclosingStopped);
    components.drain?.removeEventListener("abort", enclosingDrained);
    if (timer) {
      timer.cancel();
      status!.line.finish(currentProgress(true));
      status!.close();
    }
    const end: RunEnd = stopped !== undefined ? { stopped } : failed !== undefined ? { failed } : {};
    for (const executor of executors) await executor.close(end);
    await backEnd?.close(end);
  }
}
