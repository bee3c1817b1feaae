/**
 * The scheduler's view of the tasks on one executor. An executor that queues tasks
 * (`pipelineCores`) starts its queue in order, as cores free up; the scheduler never hears
 * when a queued task starts, so it counts the oldest tasks that fit in the executor's cores as
 * running and the rest as queued — for fast-abort deadlines, progress, moving queued tasks to
 * an idle executor, and dropping queued work when a run stops after a failure.
 */
import type { Capacity } from "./capacity.ts";
import type { ResourceClass } from "./ready-queue.ts";
import type { ExecutorInfo } from "./types.ts";

export interface Task {
  readonly id: number;
  readonly rule: number;
  /** The rule's attempt as counted against --retry-count (a move or a lost executor's rerun is the same attempt). */
  readonly attempt: number;
  readonly executor: ExecutorState;
  /**
   * When it started running: its dispatch, or — on an executor that queues tasks
   * (pipelineCores) — when the tasks ahead of it had left it a core, as far as the scheduler
   * can tell, or when an executor with `startsReported` said it started. Undefined while it
   * waits in that queue.
   */
  startedMs: number | undefined;
  readonly resourceClass: ResourceClass;
  /** What it takes of its executor's resources (`needOn`: its class's need, or all the cores). */
  readonly need: Capacity;
  /** Taken from another executor's queue (work-stealing.ts): never moved again. */
  readonly moved: boolean;
}

export interface ExecutorState {
  readonly info: ExecutorInfo;
  readonly free: Capacity;
  /** In dispatch order (a Set keeps insertion order; task ids only grow). */
  readonly tasks: Set<Task>;
}

/**
 * How many of an executor's tasks, oldest first, hold cores: executors start their queue in
 * order while the next one's cores fit, and one needing more than all runs alone.
 */
export function runningCount(executor: ExecutorState): number {
  let cores = 0;
  let count = 0;
  for (const task of executor.tasks) {
    const next = coresAfter(executor, cores, task);
    if (next < 0) break;
    cores = next;
    count++;
  }
  return count;
}

/**
 * Cores an executor's oldest tasks hold once `task` starts after those holding `cores`, or −1
 * when it waits: the next task starts while its cores fit, and one needing more than all runs
 * alone.
 */
export function coresAfter(executor: ExecutorState, cores: number, task: Task): number {
  const capacity = executor.info.capacity.cores;
  const need = Math.max(1, Math.min(task.resourceClass.need.cores, capacity));
  return cores > 0 && cores + need > capacity ? -1 : cores + need;
}

/**
 * Tasks an executor holds in its queue beyond the ones running (none without pipelineCores):
 * on one that reports starts (`startsReported`), those whose start it has not reported.
 */
export function queuedTasks(executor: ExecutorState): Task[] {
  if (executor.info.startsReported) return [...executor.tasks].filter((task) => task.startedMs === undefined);
  if (!executor.info.pipelineCores) return [];
  return [...executor.tasks].slice(runningCount(executor));
}

/** Tasks running, and tasks dispatched but still queued on their executor (`total`: all the tasks). */
export function dispatchCounts(executors: Iterable<ExecutorState>, total: number): { running: number; queued: number } {
  let queued = 0;
  for (const executor of executors) queued += queuedTasks(executor).length;
  return { running: total - queued, queued };
}
