/**
 * When the scheduler counts a task as started, and fast abort's view of it (`fast-abort.ts`).
 * A task starts at its dispatch, or — on an executor that queues tasks (pipelineCores) — when
 * the tasks ahead of it leave it a core (`noteStarted`). A worker whose task must wait for its
 * input files to arrive says so at its dispatch (`awaiting`): fast abort leaves the task alone
 * until the worker says its command started (`running`), and judges it from then. So neither an
 * executor's queue nor a slow transfer counts against a task — Work Queue judges a task by its
 * execution time on the worker. A task judged from a later start is put at the end of its
 * category's start order, where it belongs: every other task there started no later.
 */
import type { SchedulerAction, SchedulerInit } from "./types.ts";
import { coresAfter, type ExecutorState, type Task } from "./executor-tasks.ts";
import { FastAbort } from "./fast-abort.ts";

export class TaskStarts {
  /** Undefined when fast abort is off: then it costs nothing. */
  private readonly fastAbort: FastAbort | undefined;
  /** Fast aborts per rule, so far. */
  private readonly fastAborts: Int32Array;
  /** Tasks whose inputs are on their way (`awaiting`), until `running`: not judged meanwhile. */
  private readonly awaitingInputs = new Set<Task>();

  constructor(
    ruleCount: number,
    private readonly init: SchedulerInit,
  ) {
    this.fastAborts = new Int32Array(ruleCount);
    const multiplier = init.fastAbortMultiplier;
    this.fastAbort = multiplier === undefined ? undefined : new FastAbort({ multiplier, samplesMin: init.fastAbortSamplesMin, slackMs: init.fastAbortSlackMs, samplesPerOverdue: init.fastAbortSamplesPerOverdue });
  }

  /** The next fast-abort deadline, or undefined. */
  nextWakeMs(): number | undefined {
    return this.fastAbort?.nextWakeMs();
  }

  /**
   * Marks the executor's tasks that now have a core as started (its oldest ones: executors
   * start in order), and arms their fast-abort deadlines from then, so a task waiting in an
   * executor's queue is never judged overdue for the time it waited. `started` actions go to
   * `actions` (with the scheduler's `reportStarts`).
   */
  noteStarted(executor: ExecutorState, nowMs: number, actions: SchedulerAction[]): void {
    const pipelined = Boolean(executor.info.pipelineCores);
    let cores = 0;
    for (const task of executor.tasks) {
      if (pipelined && (cores = coresAfter(executor, cores, task)) < 0) return;
      if (task.startedMs !== undefined) continue;
      task.startedMs = nowMs;
      if (this.judged(task)) this.fastAbort!.watch(task);
      if (this.init.reportStarts) actions.push({ type: "started", task: task.id, rule: task.rule, attempt: task.attempt, executorId: executor.info.id });
    }
  }

  /** The task's command cannot start before its input files arrive: not judged until `running`. */
  awaiting(task: Task): void {
    if (this.awaitingInputs.has(task)) return;
    this.awaitingInputs.add(task);
    if (this.fastAbort && task.startedMs !== undefined) this.fastAbort.forget(task);
  }

  /**
   * The task's command started only now (its inputs were on their way until then): judged from
   * now. A task still queued on its executor starts later anyway (`noteStarted`).
   */
  running(task: Task, nowMs: number): void {
    const awaited = this.awaitingInputs.delete(task);
    if (task.startedMs === undefined) return;
    if (!awaited) {
      if (task.startedMs >= nowMs) return;
      return this.fastAbort ? this.fastAbort.restart(task, nowMs) : void (task.startedMs = nowMs);
    }
    // started no later than now, as every watched task of its category
    task.startedMs = nowMs;
    if (this.judged(task)) this.fastAbort!.watch(task);
  }

  /** The task left its executor (ended, aborted, moved or lost). */
  released(task: Task): void {
    if (this.awaitingInputs.delete(task)) return; // not watched
    if (this.fastAbort && task.startedMs !== undefined) this.fastAbort.forget(task);
  }

  /** Whether fast abort judges the task now: on an executor that allows it, not awaiting inputs, not aborted too often. */
  private judged(task: Task): boolean {
    return this.fastAbort !== undefined && task.executor.info.fastAbort && !this.awaitingInputs.has(task) && this.fastAborts[task.rule]! < (this.init.fastAbortsPerRuleMax ?? 3);
  }

  /** A successful run's duration, a sample of its category. */
  succeeded(category: string, durationMs: number): void {
    this.fastAbort?.record(category, durationMs);
  }

  /** The watched tasks past their deadline at `nowMs`, no longer watched: the caller aborts them. */
  due(nowMs: number): Task[] {
    if (!this.fastAbort) return [];
    const overdue = this.fastAbort.due(nowMs);
    for (const task of overdue) this.fastAborts[task.rule]!++;
    return overdue;
  }
}
