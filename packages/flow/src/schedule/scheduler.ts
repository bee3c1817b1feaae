/**
 * The scheduler as a sans-IO state machine. It is fed events (an executor joined or left, a
 * task finished, time passed) with the current time, and returns actions (start task T of rule
 * R on executor E, abort a task, a rule changed state, the workflow finished). It owns the
 * ready queue, resource accounting, retries with backoff, worker loss and fast abort, and
 * never touches a clock, a timer, a file or a socket: the CLI drives it with real executors,
 * tests and the simulator drive it with virtual time and simulated workers.
 *
 * The alternative — executors that pull work and keep their own retry timers — spreads the
 * policy over every back end and makes failures untestable without real processes.
 */
import type { Plan } from "../plan/plan.ts";
import { assert, formatLocation } from "../language/errors.ts";
// the backoff alone: flow's start-up does not load the ftsh language and its process host
import { type BackoffInit, backoffDelayMs, resolveBackoff } from "@skein/ftsh/backoff";
import { describeNeed, fits, give, take } from "./capacity.ts";
import { MinHeap } from "./min-heap.ts";
import { coresAfter, type ExecutorState, queuedTasks, type Task } from "./executor-tasks.ts";
import { ReadyQueue, type ResourceClass } from "./ready-queue.ts";
import { RunningStatistics } from "./running-statistics.ts";
import type { RuleState, SchedulerAction, SchedulerComponents, SchedulerEvent, SchedulerInit, TaskOutcome } from "./types.ts";

export type { SchedulerComponents, SchedulerInit } from "./types.ts";

interface Wake {
  readonly atMs: number;
  readonly kind: "retry" | "deadline";
  readonly id: number;
}

const stateCodes: RuleState[] = ["waiting", "ready", "running", "retrying", "done", "failed"];

export class Scheduler {
  private readonly state: Uint8Array;
  private readonly waitingFor: Int32Array;
  private readonly failures: Int32Array;
  private readonly lostRuns: Int32Array;
  private readonly fastAborts: Int32Array;
  private readonly attempts: Int32Array;
  private readonly avoid: Array<string | undefined>;
  private readonly classes: ResourceClass[];
  private readonly ready = new ReadyQueue();
  private readonly executors = new Map<string, ExecutorState>();
  private readonly tasks = new Map<number, Task>();
  private readonly wakes = new MinHeap<Wake>();
  private readonly statistics = new Map<string, RunningStatistics>();
  private nextTaskId = 1;
  private doneCount = 0;
  private stopping: string | undefined;
  private finished = false;
  private actions: SchedulerAction[] = [];

  private readonly backoff: Required<BackoffInit>;

  constructor(
    private readonly plan: Plan,
    private readonly init: SchedulerInit,
    private readonly components: SchedulerComponents,
  ) {
    // ftsh's backoff, with workflow-scale defaults: 1 s doubling up to a minute
    this.backoff = resolveBackoff({ initialMs: init.backoff?.initialMs ?? 1_000, factor: init.backoff?.factor ?? 2, maxMs: init.backoff?.maxMs ?? 60_000 });
    const count = plan.workflow.rules.length;
    this.state = new Uint8Array(count);
    this.waitingFor = new Int32Array(count);
    this.failures = new Int32Array(count);
    this.lostRuns = new Int32Array(count);
    this.fastAborts = new Int32Array(count);
    this.attempts = new Int32Array(count);
    this.avoid = new Array(count);
    this.classes = this.ready.classesOf(plan.workflow.rules);
  }

  /** Rule states, for progress displays and checkers. */
  stateOf(rule: number): RuleState {
    return stateCodes[this.state[rule]!]!;
  }

  counts(): Record<RuleState, number> {
    const counts: Record<RuleState, number> = { waiting: 0, ready: 0, running: 0, retrying: 0, done: 0, failed: 0 };
    for (const code of this.state) counts[stateCodes[code]!]++;
    return counts;
  }

  get executorCount(): number {
    return this.executors.size;
  }

  /** The earliest time the driver must send a tick, or undefined. */
  nextWakeMs(): number | undefined {
    return this.wakes.peek()?.atMs;
  }

  /** Marks finished rules and queues the ready ones; call once before any event. */
  start(nowMs: number): SchedulerAction[] {
    const rules = this.plan.workflow.rules;
    for (let rule = 0; rule < rules.length; rule++) {
      if (this.components.isDone(rule)) {
        this.state[rule] = 4;
        this.doneCount++;
      }
    }
    for (let rule = 0; rule < rules.length; rule++) {
      if (this.state[rule] === 4) continue;
      let waiting = 0;
      for (const dependency of this.plan.dependencies[rule]!) if (this.state[dependency] !== 4) waiting++;
      this.waitingFor[rule] = waiting;
      if (waiting === 0) this.enqueue(rule, undefined);
    }
    return this.step(nowMs);
  }

  handle(event: SchedulerEvent, nowMs: number): SchedulerAction[] {
    switch (event.type) {
      case "executor-joined":
        assert(!this.executors.has(event.executor.id), `executor ${event.executor.id} joined twice`);
        this.executors.set(event.executor.id, { info: event.executor, free: { ...event.executor.capacity }, tasks: new Set() });
        break;
      case "executor-left":
        this.executorLeft(event.executorId, event.reason);
        break;
      case "task-finished":
        this.taskFinished(event.task, event.outcome, nowMs);
        break;
      case "stop":
        this.stop(event.reason);
        break;
      case "tick":
        break;
    }
    return this.step(nowMs);
  }

  private step(nowMs: number): SchedulerAction[] {
    this.runDue(nowMs);
    if (!this.stopping) this.dispatch(nowMs);
    this.checkFinished();
    const actions = this.actions;
    this.actions = [];
    return actions;
  }

  private setState(rule: number, state: RuleState, extra?: Partial<Extract<SchedulerAction, { type: "state" }>>): void {
    this.state[rule] = stateCodes.indexOf(state);
    const attempt = this.attempts[rule]!;
    this.actions.push(extra === undefined ? { type: "state", rule, state, attempt } : { type: "state", rule, state, attempt, ...extra });
  }

  private enqueue(rule: number, reason: string | undefined): void {
    this.ready.push(this.classes[rule]!, rule);
    this.setState(rule, "ready", reason === undefined ? undefined : { reason });
  }

  private dispatch(nowMs: number): void {
    if (this.ready.size === 0) return;
    for (const resourceClass of this.ready.classes) {
      for (let rule = this.ready.peek(resourceClass); rule !== undefined; rule = this.ready.peek(resourceClass)) {
        const executor = this.chooseExecutor(resourceClass, rule);
        if (!executor) {
          if (!this.init.executorsMayJoin && !this.couldEverRun(resourceClass)) this.failClass(resourceClass);
          break;
        }
        this.ready.shift(resourceClass);
        this.startTask(rule, executor, resourceClass, nowMs);
      }
    }
  }

  private eligible(executor: ExecutorState, resourceClass: ResourceClass): boolean {
    return resourceClass.local ? executor.info.runsLocalRules : executor.info.runsRemoteRules;
  }

  private chooseExecutor(resourceClass: ResourceClass, rule: number): ExecutorState | undefined {
    let avoided: ExecutorState | undefined;
    let alternatives = 0;
    for (const executor of this.executors.values()) {
      if (!this.eligible(executor, resourceClass)) continue;
      if (executor.info.id === this.avoid[rule]) {
        avoided = executor;
        continue;
      }
      alternatives++;
      if (fits(resourceClass.need, executor.free)) return executor;
    }
    if (avoided && alternatives === 0 && fits(resourceClass.need, avoided.free)) return avoided;
    return this.choosePipelined(resourceClass, rule);
  }

  /** An executor that queues tasks (pipelineCores) and has room in its queue for this one. */
  private choosePipelined(resourceClass: ResourceClass, rule: number): ExecutorState | undefined {
    const need = resourceClass.need;
    for (const executor of this.executors.values()) {
      const slack = executor.info.pipelineCores ?? 0;
      if (slack === 0 || !this.eligible(executor, resourceClass) || executor.info.id === this.avoid[rule]) continue;
      const { free, info } = executor;
      if (!fits(need, info.capacity)) continue;
      if (need.cores <= free.cores + slack && need.memoryMb <= free.memoryMb && need.diskMb <= free.diskMb && need.gpus <= free.gpus) return executor;
    }
    return undefined;
  }

  private couldEverRun(resourceClass: ResourceClass): boolean {
    if (this.executors.size === 0) return true;
    for (const executor of this.executors.values()) {
      if (this.eligible(executor, resourceClass) && fits(resourceClass.need, executor.info.capacity)) return true;
    }
    return false;
  }

  private failClass(resourceClass: ResourceClass): void {
    const reason = `needs ${describeNeed(resourceClass.need)}, more than any executor has`;
    for (const rule of this.ready.drain(resourceClass)) this.failForGood(rule, reason);
  }

  private startTask(rule: number, executor: ExecutorState, resourceClass: ResourceClass, nowMs: number): void {
    const attempt = ++this.attempts[rule]!;
    const task: Task = { id: this.nextTaskId++, rule, attempt, executor, startedMs: undefined, resourceClass };
    take(executor.free, resourceClass.need);
    executor.tasks.add(task);
    this.tasks.set(task.id, task);
    this.setState(rule, "running", { executorId: executor.info.id });
    this.actions.push({ type: "start", task: task.id, rule, attempt, executorId: executor.info.id });
    this.noteStarted(executor, nowMs);
  }

  /**
   * Marks the executor's tasks that now have a core as started (its oldest ones: executors
   * start in order), and arms their fast-abort deadlines from then, so a task waiting in an
   * executor's queue is never judged overdue for the time it waited.
   */
  private noteStarted(executor: ExecutorState, nowMs: number): void {
    const pipelined = Boolean(executor.info.pipelineCores);
    let cores = 0;
    for (const task of executor.tasks) {
      if (pipelined && (cores = coresAfter(executor, cores, task)) < 0) return;
      if (task.startedMs !== undefined) continue;
      task.startedMs = nowMs;
      this.armFastAbort(task, nowMs);
      if (this.init.reportStarts) this.actions.push({ type: "started", task: task.id, rule: task.rule, attempt: task.attempt, executorId: executor.info.id });
    }
  }

  private armFastAbort(task: Task, nowMs: number): void {
    const k = this.init.fastAbortMultiplier;
    if (k === undefined || !task.executor.info.fastAbort) return;
    if (this.fastAborts[task.rule]! >= (this.init.fastAbortsPerRuleMax ?? 3)) return;
    const statistics = this.statistics.get(task.resourceClass.category);
    if (!statistics || statistics.count < (this.init.fastAbortSamplesMin ?? 10)) return;
    const allowanceMs = statistics.mean + Math.max(k * statistics.standardDeviation, this.init.fastAbortSlackMs ?? 1_000);
    this.wakes.push({ atMs: nowMs + allowanceMs, kind: "deadline", id: task.id });
  }

  /** Frees the task's resources. */
  private release(task: Task): void {
    give(task.executor.free, task.resourceClass.need);
    task.executor.tasks.delete(task);
    this.tasks.delete(task.id);
  }

  /** After a task left an executor with a queue, the next queued tasks there count as started. */
  private startQueued(executor: ExecutorState, nowMs: number): void {
    if (executor.info.pipelineCores && this.executors.get(executor.info.id) === executor) this.noteStarted(executor, nowMs);
  }

  private taskFinished(taskId: number, outcome: TaskOutcome, nowMs: number): void {
    const task = this.tasks.get(taskId);
    if (!task) return; // aborted or lost before it reported: the rerun owns the rule now
    this.release(task);
    this.settle(task, outcome, nowMs);
    // after the task's own state change, so a consumer never sees more tasks started than cores
    this.startQueued(task.executor, nowMs);
  }

  private settle(task: Task, outcome: TaskOutcome, nowMs: number): void {
    const durationMs = outcome.durationMs ?? nowMs - (task.startedMs ?? nowMs);
    if (outcome.ok) {
      this.recordDuration(task.resourceClass.category, durationMs);
      this.completed(task.rule, durationMs, task.executor.info.id);
      return;
    }
    const failures = ++this.failures[task.rule]!;
    const output = outcome.output === undefined ? {} : { output: outcome.output };
    if (outcome.permanent || failures > (this.init.retryCount ?? 0)) {
      this.failForGood(task.rule, outcome.reason, output);
      return;
    }
    const delayMs = backoffDelayMs(failures - 1, this.backoff, this.components.random());
    this.setState(task.rule, "retrying", { reason: `${outcome.reason}; retry in ${Math.round(delayMs)} ms`, durationMs, ...output });
    this.wakes.push({ atMs: nowMs + delayMs, kind: "retry", id: task.rule });
  }

  private recordDuration(category: string, durationMs: number): void {
    let statistics = this.statistics.get(category);
    if (!statistics) this.statistics.set(category, (statistics = new RunningStatistics()));
    statistics.add(durationMs);
  }

  private completed(rule: number, durationMs: number, executorId: string): void {
    this.doneCount++;
    this.setState(rule, "done", { durationMs, executorId });
    for (const dependant of this.plan.dependants[rule]!) {
      if (--this.waitingFor[dependant]! === 0 && this.state[dependant] === 0) this.enqueue(dependant, undefined);
    }
  }

  private failForGood(rule: number, reason: string, extra: { output?: string } = {}): void {
    this.setState(rule, "failed", { reason, ...extra });
    if (this.stopping) return;
    const failed = this.plan.workflow.rules[rule]!;
    const name = `rule '${failed.targets[0]!.path}' (${formatLocation(failed.location)})`;
    this.stopping = `${name} failed: ${reason}`;
    this.dropQueued(`not started: ${name} failed`);
  }

  /** When the run stops after a failure, tasks still queued on executors are not started (as make -j). */
  private dropQueued(reason: string): void {
    for (const executor of this.executors.values()) {
      for (const task of queuedTasks(executor)) {
        this.release(task);
        this.actions.push({ type: "abort", task: task.id, rule: task.rule, executorId: executor.info.id, reason });
        this.setState(task.rule, "waiting");
      }
    }
  }

  /** Tasks running, and tasks dispatched but still queued on their executor (for progress). */
  dispatchCounts(): { running: number; queued: number } {
    let queued = 0;
    for (const executor of this.executors.values()) queued += queuedTasks(executor).length;
    return { running: this.tasks.size - queued, queued };
  }

  private runDue(nowMs: number): void {
    for (let wake = this.wakes.peek(); wake && wake.atMs <= nowMs; wake = this.wakes.peek()) {
      this.wakes.pop();
      if (wake.kind === "retry") {
        if (this.state[wake.id] === 3 && !this.stopping) this.enqueue(wake.id, "retry");
        continue;
      }
      const task = this.tasks.get(wake.id);
      if (!task) continue;
      this.release(task);
      this.fastAborts[task.rule]!++;
      this.avoid[task.rule] = task.executor.info.id;
      const reason = `fast abort: ran past mean + k·stddev of category '${task.resourceClass.category}'`;
      this.actions.push({ type: "abort", task: task.id, rule: task.rule, executorId: task.executor.info.id, reason });
      this.enqueue(task.rule, reason);
      this.startQueued(task.executor, nowMs);
    }
  }

  private executorLeft(executorId: string, reason: string): void {
    const executor = this.executors.get(executorId);
    if (!executor) return;
    this.executors.delete(executorId);
    for (const task of [...executor.tasks].sort((a, b) => a.id - b.id)) {
      this.release(task);
      if (++this.lostRuns[task.rule]! > (this.init.lostRunsPerRuleMax ?? 10)) {
        this.failForGood(task.rule, `lost its executor too often (last: ${reason})`);
      } else if (!this.stopping) {
        this.enqueue(task.rule, `executor ${executorId} left: ${reason}`);
      } else {
        this.setState(task.rule, "waiting", { reason: `executor ${executorId} left: ${reason}` });
      }
    }
  }

  private stop(reason: string): void {
    this.stopping ??= reason;
    for (const task of [...this.tasks.values()].sort((a, b) => a.id - b.id)) {
      this.release(task);
      this.actions.push({ type: "abort", task: task.id, rule: task.rule, executorId: task.executor.info.id, reason });
      // the reason goes with the tasks that were running (killed); queued ones just go back
      this.setState(task.rule, "waiting", task.startedMs === undefined ? undefined : { reason });
    }
  }

  private checkFinished(): void {
    if (this.finished) return;
    if (this.doneCount === this.state.length) {
      this.finished = true;
      this.actions.push({ type: "finished", ok: true });
    } else if (this.stopping && this.tasks.size === 0) {
      this.finished = true;
      this.actions.push({ type: "finished", ok: false, reason: this.stopping });
    }
  }
}
