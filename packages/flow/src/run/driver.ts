/**
 * The driver: feeds executor reports to the scheduler with the time of its `Clock`, carries
 * out its actions on the executors, and keeps one timer for its next wake-up. The CLI gives it
 * the real clock; a service gives it `contextClock(ctx)` and runs it on the runtime's time
 * (examples/flow-sim). The discrete-event driver in `testing/` owns its event queue instead.
 */
import type { Clock, Timer } from "@skein/core";
import type { Executor, ExecutorListener } from "../executors/executor.ts";
import type { Scheduler } from "../schedule/scheduler.ts";
import type { SchedulerAction, SchedulerEvent, TaskOutcome } from "../schedule/types.ts";
import type { Workflow } from "../workflow.ts";

export interface DriverHooks {
  /** A rule changed state (log, JSON events, progress). */
  /** `refused`: a `running` whose task `beforeStart` refused — it never started, so it is not logged as started. */
  state(action: Extract<SchedulerAction, { type: "state" }>, nowMs: number, refused?: boolean): void;
  /** A task got its cores (only with the scheduler's `reportStarts`). */
  started?(action: Extract<SchedulerAction, { type: "started" }>, nowMs: number): void;
  /** Ready rules fit no executor connected and wait for a larger one to join (said once per situation). */
  stalled?(action: Extract<SchedulerAction, { type: "stalled" }>, nowMs: number): void;
  /**
   * The batch's state changes are recorded: called after them, before any of its tasks start.
   * A reason string means they could not be: none of the batch's tasks starts, and the run stops.
   */
  commit?(): string | undefined;
  /**
   * A task (attempt `attempt`, from 1) is about to start: remove its stale or partial targets.
   * A reason string means it must not start: it fails with that reason instead.
   */
  beforeStart?(rule: number, attempt: number): string | undefined;
}

export interface DriverResult {
  readonly ok: boolean;
  readonly reason: string | undefined;
}

export class Driver implements ExecutorListener {
  private readonly executors = new Map<string, Executor>();
  private readonly placement = new Map<number, string>();
  private timer: Timer | undefined;
  private armedMs: number | undefined;
  private readonly origin: number;
  private resolveRun!: (result: DriverResult) => void;
  private started = false;
  /** Why the log could not record a batch: from then on no task starts. */
  private commitFailure: string | undefined;
  /** Actions of the batch being reported (see `batch`), applied when it ends. */
  private batched: SchedulerAction[] | undefined;
  readonly done: Promise<DriverResult>;

  constructor(
    readonly scheduler: Scheduler,
    private readonly workflow: Workflow,
    private readonly hooks: DriverHooks,
    private readonly clock: Clock,
  ) {
    this.origin = clock.nowMs();
    this.done = new Promise((resolve) => {
      this.resolveRun = resolve;
    });
  }

  nowMs(): number {
    return this.clock.nowMs() - this.origin;
  }

  start(): Promise<DriverResult> {
    this.started = true;
    this.apply(this.scheduler.start(this.nowMs()));
    return this.done;
  }

  joined(executor: Executor): void {
    this.executors.set(executor.info.id, executor);
    this.event({ type: "executor-joined", executor: executor.info });
  }

  left(executorId: string, reason: string): void {
    this.executors.delete(executorId);
    this.event({ type: "executor-left", executorId, reason });
  }

  finished(task: number, outcome: TaskOutcome): void {
    this.placement.delete(task);
    this.event({ type: "task-finished", task, outcome });
  }

  awaiting(task: number): void {
    this.event({ type: "task-awaiting", task });
  }

  running(task: number): void {
    this.event({ type: "task-running", task });
  }

  /** `unstarted`: tasks of the last batch that were never given their executor. */
  stop(reason: string, unstarted?: readonly number[]): void {
    this.event(unstarted === undefined ? { type: "stop", reason } : { type: "stop", reason, unstarted });
  }

  /** Start nothing more; what runs finishes (a nested run whose enclosing run stopped starting rules). */
  drain(reason: string): void {
    this.event({ type: "drain", reason });
  }

  /** Events reported inside `report` are acted on together when it returns. */
  batch(report: () => void): void {
    if (this.batched || !this.started) return report();
    this.batched = [];
    try {
      report();
    } finally {
      const actions = this.batched;
      this.batched = undefined;
      if (actions.length > 0) this.apply(actions);
    }
  }

  private event(event: SchedulerEvent): void {
    if (!this.started) {
      // Executors that join before the run starts are known to the scheduler at its start.
      this.scheduler.handle(event, this.nowMs());
      return;
    }
    const actions = this.scheduler.handle(event, this.nowMs());
    if (this.batched) {
      for (const action of actions) this.batched.push(action);
      return;
    }
    this.apply(actions);
  }

  /**
   * The time of the batch being applied (or last applied): what its state hooks get, and what
   * an event reported from `beforeStart` (a target set aside) carries, so events stay in order.
   */
  batchMs = 0;

  private apply(actions: SchedulerAction[]): void {
    const nowMs = this.nowMs();
    this.batchMs = nowMs;
    // Each task's targets are readied (stale ones removed, a user's set aside) before the
    // batch's "running" lines are written: a start refused here is not logged as started, so a
    // later run never takes a file it could not set aside for one the workflow made.
    let refused: Array<{ task: number; reason: string }> | undefined;
    let refusedRules: Set<number> | undefined;
    if (this.commitFailure === undefined && this.hooks.beforeStart) {
      for (const action of actions) {
        if (action.type !== "start") continue;
        const reason = this.hooks.beforeStart(action.rule, action.attempt);
        if (reason === undefined) continue;
        (refused ??= []).push({ task: action.task, reason });
        (refusedRules ??= new Set()).add(action.rule);
      }
    }
    for (const action of actions) {
      if (action.type === "state") this.hooks.state(action, nowMs, action.state === "running" && refusedRules?.has(action.rule));
      else if (action.type === "started") this.hooks.started?.(action, nowMs);
      else if (action.type === "stalled") this.hooks.stalled?.(action, nowMs);
    }
    const failure = this.hooks.commit?.();
    // a task never starts before its "running" line is in the log: once the log fails, the run
    // starts nothing more and stops (once), aborting what runs
    const stopFor = failure !== undefined && this.commitFailure === undefined ? failure : undefined;
    this.commitFailure ??= failure;
    const unstarted: number[] = [];
    for (const action of actions) {
      if (action.type === "start") {
        if (this.commitFailure !== undefined) {
          unstarted.push(action.task);
          continue;
        }
        if (refusedRules?.has(action.rule)) continue;
        const executor = this.executors.get(action.executorId);
        // it left within this batch (a worker that joined and broke the protocol in one read):
        // the executor-left event after this start gives the task back to the scheduler
        if (!executor) continue;
        this.placement.set(action.task, action.executorId);
        executor.start({ task: action.task, rule: this.workflow.rules[action.rule]!, attempt: action.attempt });
      } else if (action.type === "abort") {
        this.placement.delete(action.task);
        this.executors.get(action.executorId)?.abort(action.task);
      } else if (action.type === "finished") {
        this.timer?.cancel();
        this.timer = undefined;
        this.resolveRun({ ok: action.ok, reason: action.reason });
        return;
      }
    }
    if (stopFor !== undefined) return this.stop(stopFor, unstarted);
    this.arm();
    // tasks that could not start fail now, as if their executor had reported it
    if (refused) {
      this.batch(() => {
        for (const { task, reason } of refused) this.finished(task, { ok: false, reason });
      });
    }
  }

  /** Keeps one timer for the scheduler's next wake-up; re-arms only when that time changes. */
  private arm(): void {
    const wakeMs = this.scheduler.nextWakeMs();
    if (wakeMs === this.armedMs) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.armedMs = wakeMs;
    if (wakeMs === undefined) return;
    this.timer = this.clock.setTimer(Math.max(0, wakeMs - this.nowMs()) + 1, () => {
      this.timer = undefined;
      this.armedMs = undefined;
      this.event({ type: "tick" });
    });
  }
}
