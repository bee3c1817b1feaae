/**
 * When the scheduler counts a task as started, and fast abort's view of it (`fast-abort.ts`).
 * A task starts at its dispatch, or — on an executor that queues tasks (pipelineCores) — when
 * the tasks ahead of it leave it a core (`noteStarted`). A worker whose task must wait for its
 * input files to arrive says so at its dispatch (`awaiting`): fast abort leaves the task alone
 * until the worker says its command started (`running`), and judges it from then. So neither an
 * executor's queue nor a slow transfer counts against a task — Work Queue judges a task by its
 * execution time on the worker. A task judged from a later start is put at the end of its
 * category's start order, where it belongs: every other task there started no later. An
 * executor whose queue the scheduler cannot reckon (a batch system's: `startsReported`) says
 * when each task starts (`running`); until then it is queued, not started.
 *
 * Only categories the workflow names (CATEGORY=…) are judged, unless `fastAbortDefaultCategory`:
 * rules the user declared alike may be compared, while the rules without a category — every
 * rule of a workflow that names none — are anything from a 1 s step to the hour-long join at
 * the end, and their mean says nothing about one of them. (Work Queue and Makeflow leave fast
 * abort off unless asked: `makeflow -F`.) A task is aborted at most `fastAbortsPerRuleMax` times.
 */
import type { SchedulerAction, SchedulerInit } from "./types.ts";
import { coresAfter, type ExecutorState, type Task } from "./executor-tasks.ts";
import { defaultCategory } from "../language/scope.ts";
import { FastAbort, type FastAbortLimit } from "./fast-abort.ts";

/** Fast aborts per rule before it is left to run, when `fastAbortsPerRuleMax` is not given. */
export const fastAbortsPerRuleMaxDefault = 3;

/** A task fast abort takes off its executor, and why, naming the time it ran and its limit. */
export interface Overdue {
  readonly task: Task;
  readonly reason: string;
}

export class TaskStarts {
  /** Undefined when fast abort is off: then it costs nothing. */
  private readonly fastAbort: FastAbort | undefined;
  /** Fast aborts per rule, so far. */
  private readonly fastAborts: Int32Array;
  /** Tasks due but left to run, as no other executor could take them: judged again when one joins. */
  private readonly spared = new Set<Task>();
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
    if (executor.info.startsReported) return; // it says when (`running`)
    const pipelined = Boolean(executor.info.pipelineCores);
    let cores = 0;
    for (const task of executor.tasks) {
      if (pipelined && (cores = coresAfter(executor, cores, task)) < 0) return;
      if (task.startedMs === undefined) this.start(task, nowMs, actions);
    }
  }

  /** The task starts now: its fast-abort deadline is armed, and `started` said (with `reportStarts`). */
  private start(task: Task, nowMs: number, actions: SchedulerAction[]): void {
    task.startedMs = nowMs;
    if (this.judged(task)) this.fastAbort!.watch(task);
    if (this.init.reportStarts) actions.push({ type: "started", task: task.id, rule: task.rule, attempt: task.attempt, executorId: task.executor.info.id });
  }

  /** The task's command cannot start before its input files arrive: not judged until `running`. */
  awaiting(task: Task): void {
    if (this.awaitingInputs.has(task)) return;
    this.awaitingInputs.add(task);
    if (this.fastAbort && task.startedMs !== undefined) this.fastAbort.forget(task);
  }

  /**
   * The task's command started only now (its inputs were on their way until then): judged from
   * now. A task still queued on its executor starts later anyway (`noteStarted`), unless its
   * executor reports starts (`startsReported`): this is its start.
   */
  running(task: Task, nowMs: number, actions: SchedulerAction[]): void {
    const awaited = this.awaitingInputs.delete(task);
    if (task.executor.info.startsReported) return task.startedMs === undefined ? this.start(task, nowMs, actions) : undefined; // said once
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
    if (this.spared.delete(task)) return; // not watched
    if (this.awaitingInputs.delete(task)) return; // not watched
    if (this.fastAbort && task.startedMs !== undefined) this.fastAbort.forget(task);
  }

  /**
   * Whether fast abort judges the task now: of a judged category, on an executor that allows
   * it, not awaiting inputs, not aborted too often.
   */
  private judged(task: Task): boolean {
    return this.fastAbort !== undefined && this.judgesCategory(task.resourceClass.category) && task.executor.info.fastAbort && !this.awaitingInputs.has(task) && this.fastAborts[task.rule]! < this.abortsMax;
  }

  private judgesCategory(category: string): boolean {
    return category !== defaultCategory || this.init.fastAbortDefaultCategory === true;
  }

  private get abortsMax(): number {
    return this.init.fastAbortsPerRuleMax ?? fastAbortsPerRuleMaxDefault;
  }

  /** An executor joined: the tasks left to run because none other could take them are judged again. */
  executorJoined(): void {
    for (const task of this.spared) this.fastAbort!.rewatch(task);
    this.spared.clear();
  }

  /** A successful run's duration, a sample of its category (kept only for a judged category). */
  succeeded(category: string, durationMs: number): void {
    if (this.judgesCategory(category)) this.fastAbort?.record(category, durationMs);
  }

  /**
   * The watched tasks past their deadline at `nowMs` that `movable` says another executor
   * could take, with the reason: the caller aborts them. An overdue task no other executor
   * could take is left to run (aborted, it would only run again where it was), unwatched until
   * an executor joins (`executorJoined`).
   */
  due(nowMs: number, movable: (task: Task) => boolean): Overdue[] {
    if (!this.fastAbort) return [];
    const overdue: Overdue[] = [];
    for (const task of this.fastAbort.due(nowMs)) {
      if (!movable(task)) {
        this.spared.add(task);
        continue;
      }
      const count = ++this.fastAborts[task.rule]!;
      const category = task.resourceClass.category;
      const ran = nowMs - task.startedMs!;
      const last = count === this.abortsMax ? " (the last: its next run is left to finish)" : "";
      overdue.push({ task, reason: `fast abort ${count} of at most ${this.abortsMax}${last}: ran ${seconds(ran)}, past ${describeLimit(this.fastAbort.limit(category)!)} of category '${category}'` });
    }
    return overdue;
  }
}

/** "1.5 s (mean 0.5 s + 3·stddev 0.33 s)", or with the slack when it is the larger. */
function describeLimit(limit: FastAbortLimit): string {
  const spread = limit.slackMs === undefined ? `${limit.multiplier}·stddev ${seconds(limit.standardDeviationMs)}` : `${seconds(limit.slackMs)} slack, more than ${limit.multiplier}·stddev`;
  return `${seconds(limit.allowanceMs)} (mean ${seconds(limit.meanMs)} + ${spread})`;
}

/** Seconds with enough digits to tell short runs apart: "4.0 s", "0.33 s", "0.012 s". */
function seconds(ms: number): string {
  const value = ms / 1000;
  return `${value >= 1 ? value.toFixed(1) : value.toPrecision(2).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "")} s`;
}
