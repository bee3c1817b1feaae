/**
 * A deterministic discrete-event driver for the scheduler: virtual time, seeded randomness,
 * simulated executors that join and leave, tasks whose duration and outcome a test chooses,
 * and reports that may reach the scheduler late (`reportDelayMs`) while the executor already
 * runs its next queued task, as with real workers.
 * It records a trace and checks invariants from outside the scheduler (capacity never
 * exceeded, no rule starts before its dependencies are done, no rule completes twice).
 */
import type { Plan } from "../plan/plan.ts";
import { type Capacity, fits, give, needOf, needOn, take } from "../schedule/capacity.ts";
import { MinHeap } from "../schedule/min-heap.ts";
import { Scheduler, type SchedulerInit } from "../schedule/scheduler.ts";
import type { ExecutorInfo, SchedulerAction, SchedulerEvent, TaskOutcome } from "../schedule/types.ts";

/** mulberry32: a small seeded generator; the seed is the bug report. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SimulatedTask {
  readonly rule: number;
  readonly attempt: number;
  readonly executorId: string;
}

export interface SimulationInit {
  readonly seed: number;
  readonly scheduler: SchedulerInit;
  readonly executors: ReadonlyArray<{ atMs: number; executor: ExecutorInfo }>;
  readonly departures?: ReadonlyArray<{ atMs: number; executorId: string }>;
  /** Duration and outcome of one attempt. */
  readonly behaviour: (task: SimulatedTask, random: () => number) => { durationMs: number; outcome: TaskOutcome };
  readonly isDone?: (rule: number) => boolean;
  /** Virtual time after which the run is declared stuck (default one simulated day). */
  readonly timeLimitMs?: number;
  /**
   * Virtual time from a task's end on its executor, which starts its next queued task at once,
   * to the scheduler hearing of it (default 0). A report of a task aborted meanwhile, or from
   * an executor that left, never arrives (a worker connection drops them).
   */
  readonly reportDelayMs?: number;
}

export interface SimulationResult {
  readonly ok: boolean;
  readonly reason: string | undefined;
  readonly endMs: number;
  readonly trace: string[];
  readonly actions: Array<SchedulerAction & { atMs: number }>;
  /** Tasks an abort found running on their executor (killed there), not merely queued. */
  readonly killed: ReadonlySet<number>;
  readonly scheduler: Scheduler;
}

/** An event for the scheduler, or a task's end on its executor (its report may follow later). */
type Pending = { atMs: number; event: SchedulerEvent } | { atMs: number; ended: { task: number; outcome: TaskOutcome } };

/** Runs a workflow to its end in virtual time; throws if an invariant breaks. */
export function simulate(plan: Plan, init: SimulationInit): SimulationResult {
  const random = seededRandom(init.seed);
  const scheduler = new Scheduler(plan, init.scheduler, { random, isDone: init.isDone ?? (() => false) });
  const queue = new MinHeap<Pending>();
  const at = (atMs: number, event: SchedulerEvent) => queue.push({ atMs, event });
  const capacities = new Map<string, { info: ExecutorInfo; capacity: Capacity; free: Capacity; pipelineCores: number; queue: Array<{ task: number; rule: number; attempt: number }> }>();
  const running = new Map<number, { rule: number; executorId: string }>();
  /** Tasks ended whose report is on its way: task → executor. */
  const reporting = new Map<number, string>();
  const reportDelayMs = init.reportDelayMs ?? 0;
  const done = new Set<number>();
  const killed = new Set<number>();
  const trace: string[] = [];
  const actions: SimulationResult["actions"] = [];
  let finished: Extract<SchedulerAction, { type: "finished" }> | undefined;
  for (const { atMs, executor } of init.executors) at(atMs, { type: "executor-joined", executor });
  for (const { atMs, executorId } of init.departures ?? []) at(atMs, { type: "executor-left", executorId, reason: "simulated loss" });

  /** Runs a task on its executor now (its cores are free). */
  /** What the rule's task takes of the executor (all its cores, when it runs wider tasks alone). */
  const needAt = (rule: number, executorId: string) => needOn(needOf(plan.workflow.rules[rule]!.resources), capacities.get(executorId)!.info);
  const run = (nowMs: number, executorId: string, task: number, rule: number, attempt: number) => {
    take(capacities.get(executorId)!.free, needAt(rule, executorId));
    running.set(task, { rule, executorId });
    const { durationMs, outcome } = init.behaviour({ rule, attempt, executorId }, random);
    queue.push({ atMs: nowMs + durationMs, ended: { task, outcome } });
  };
  /** Starts queued (pipelined) tasks of an executor, in order, while they fit. */
  const startQueued = (nowMs: number, executorId: string) => {
    const slot = capacities.get(executorId);
    while (slot && slot.queue.length > 0 && fits(needAt(slot.queue[0]!.rule, executorId), slot.free)) {
      const next = slot.queue.shift()!;
      run(nowMs, executorId, next.task, next.rule, next.attempt);
    }
  };

  const apply = (nowMs: number, list: SchedulerAction[]) => {
    for (const action of list) {
      actions.push({ ...action, atMs: nowMs });
      trace.push(`${nowMs.toFixed(3)} ${JSON.stringify(action)}`);
      if (action.type === "start") {
        const slot = capacities.get(action.executorId)!;
        const need = needAt(action.rule, action.executorId);
        for (const dependency of plan.dependencies[action.rule]!) {
          if (!done.has(dependency) && !(init.isDone?.(dependency) ?? false)) throw new Error(`rule ${action.rule} started before ${dependency}`);
        }
        if (fits(need, slot.free) && slot.queue.length === 0) run(nowMs, action.executorId, action.task, action.rule, action.attempt);
        else {
          const queuedCores = slot.queue.reduce((sum, q) => sum + needAt(q.rule, action.executorId).cores, 0);
          if (queuedCores + need.cores > slot.pipelineCores + Math.max(0, slot.free.cores)) throw new Error(`capacity of ${action.executorId} exceeded by rule ${action.rule}`);
          slot.queue.push({ task: action.task, rule: action.rule, attempt: action.attempt });
        }
      } else if (action.type === "abort") {
        const task = running.get(action.task);
        if (task) killed.add(action.task);
        if (task) give(capacities.get(task.executorId)!.free, needAt(task.rule, task.executorId));
        running.delete(action.task);
        reporting.delete(action.task);
        const slot = capacities.get(action.executorId);
        if (slot) slot.queue = slot.queue.filter((q) => q.task !== action.task);
        if (task) startQueued(nowMs, task.executorId);
      } else if (action.type === "state" && action.state === "done") {
        if (done.has(action.rule)) throw new Error(`rule ${action.rule} completed twice`);
        done.add(action.rule);
      } else if (action.type === "finished") finished = action;
    }
    const wake = scheduler.nextWakeMs();
    if (wake !== undefined) at(wake, { type: "tick" });
  };

  /** A task's end on its executor: its next queued tasks start; the report, now or later. */
  const ended = (nowMs: number, task: number, outcome: TaskOutcome): SchedulerEvent | undefined => {
    const info = running.get(task);
    if (!info) return undefined; // aborted, or its executor is gone
    running.delete(task);
    give(capacities.get(info.executorId)!.free, needAt(info.rule, info.executorId));
    startQueued(nowMs, info.executorId);
    const event: SchedulerEvent = { type: "task-finished", task, outcome };
    if (reportDelayMs === 0) return event;
    reporting.set(task, info.executorId);
    at(nowMs + reportDelayMs, event);
    return undefined;
  };
  /** Applies an event to the simulated executors; false if it never reaches the scheduler. */
  const arrives = (event: SchedulerEvent): boolean => {
    if (event.type === "executor-joined") {
      capacities.set(event.executor.id, { info: event.executor, capacity: event.executor.capacity, free: { ...event.executor.capacity }, pipelineCores: event.executor.pipelineCores ?? 0, queue: [] });
    } else if (event.type === "executor-left") {
      for (const [task, info] of running) if (info.executorId === event.executorId) running.delete(task);
      for (const [task, executorId] of reporting) if (executorId === event.executorId) reporting.delete(task);
      capacities.delete(event.executorId);
    } else if (event.type === "task-finished") return reporting.delete(event.task); // else aborted meanwhile
    return true;
  };

  apply(0, scheduler.start(0));
  const limitMs = init.timeLimitMs ?? 86_400_000;
  while (!finished && queue.size > 0) {
    const next = queue.pop()!;
    if (next.atMs > limitMs) break;
    const event = "ended" in next ? ended(next.atMs, next.ended.task, next.ended.outcome) : arrives(next.event) ? next.event : undefined;
    if (event) apply(next.atMs, scheduler.handle(event, next.atMs));
  }
  if (!finished) throw new Error(`simulation did not finish (seed ${init.seed})`);
  return { ok: finished.ok, reason: finished.reason, endMs: actions[actions.length - 1]!.atMs, trace, actions, killed, scheduler };
}

export function worker(id: string, cores: number, extra: Partial<ExecutorInfo> = {}): ExecutorInfo {
  return { id, capacity: { cores, memoryMb: 1_000_000, diskMb: 1_000_000, gpus: 0 }, runsLocalRules: false, runsRemoteRules: true, fastAbort: true, ...extra };
}
