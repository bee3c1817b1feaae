/**
 * The scheduler as a sans-IO state machine. It is fed events (an executor joined or left, a
 * task finished, time passed) with the current time, and returns actions (start task T of rule
 * R on executor E, abort a task, a rule changed state, the workflow finished). It owns the
 * ready queue and its passes (`dispatch.ts`), resource accounting, retries with backoff (`retries.ts`), worker loss, when tasks start and
 * fast abort (`task-starts.ts`, `fast-abort.ts`), moving queued tasks to idle executors (`work-stealing.ts`), telling
 * which rules fit no executor connected (`stalls.ts`) and rules waiting for a larger disk (`disk-waits.ts`), and never touches a clock, a timer, a
 * file or a socket: the CLI drives it with real executors, tests and the simulator drive it
 * with virtual time and simulated workers.
 *
 * The alternative — executors that pull work and keep their own retry timers — spreads the
 * policy over every back end and makes failures untestable without real processes.
 */
import type { Plan } from "../plan/plan.ts";
import { writtenPath } from "../language/canonical-path.ts";
import { assert, formatLocation } from "../language/errors.ts";
import { give, needOn, take } from "./capacity.ts";
import { DiskWaits } from "./disk-waits.ts";
import { Dispatch } from "./dispatch.ts";
import { dispatchCounts, type ExecutorState, queuedTasks, type Task } from "./executor-tasks.ts";
import { elsewhere, mayRun } from "./placement.ts";
import { ReadyQueue, type ResourceClass } from "./ready-queue.ts";
import { Retries, retryingIn } from "./retries.ts";
import { countStates, stateCodes } from "./rule-states.ts";
import { Stalls } from "./stalls.ts";
import { TaskStarts } from "./task-starts.ts";
import { taskToMove } from "./work-stealing.ts";
import type { RuleState, SchedulerAction, SchedulerComponents, SchedulerEvent, SchedulerInit, TaskOutcome } from "./types.ts";

export type { SchedulerComponents, SchedulerInit } from "./types.ts";

export class Scheduler {
  private readonly state: Uint8Array;
  private readonly waitingFor: Int32Array;
  private readonly lostRuns: Int32Array;
  /** Each rule's attempt as states report it (1 + its failures counted against --retry-count), and its starts in this run (a `start`'s `attempt`; moves, reruns included: types.ts). */
  private readonly attempts: Int32Array;
  private readonly startCounts: Int32Array;
  private readonly avoid: Array<string | undefined>;
  private readonly classes: ResourceClass[];
  private readonly ready = new ReadyQueue();
  private readonly executors = new Map<string, ExecutorState>();
  private readonly tasks = new Map<number, Task>();
  private readonly retries: Retries;
  /** When tasks count as started, and fast abort (`task-starts.ts`). */
  private readonly starts: TaskStarts;
  private readonly stalls: Stalls;
  /** Rules whose inputs are larger than some executors' disks (`disk-waits.ts`). */
  private readonly disk: DiskWaits;
  /** Passes over the ready queue (`dispatch.ts`). */
  private readonly dispatch: Dispatch;
  /** Executors whose resources were freed (or that joined) since the last pass: who may steal. */
  private readonly roomed = new Set<ExecutorState>();
  private nextTaskId = 1;
  private doneCount = 0;
  private stopping: string | undefined;
  private finished = false;
  /** `start` was called: rule states are known. */
  private started = false;
  /** Whether the rules were checked against the executors' sizes (`refuseTooLarge`), once some were connected. */
  private sizesChecked = false;
  private actions: SchedulerAction[] = [];

  constructor(
    private readonly plan: Plan,
    private readonly init: SchedulerInit,
    private readonly components: SchedulerComponents,
  ) {
    const count = plan.workflow.rules.length;
    this.retries = new Retries(count, init, components.random);
    this.state = new Uint8Array(count);
    this.waitingFor = new Int32Array(count);
    this.lostRuns = new Int32Array(count);
    this.attempts = new Int32Array(count);
    this.startCounts = new Int32Array(count);
    this.avoid = new Array(count);
    this.classes = this.ready.classesOf(plan.workflow.rules);
    this.starts = new TaskStarts(count, init);
    this.stalls = new Stalls(this.executors, mayRun);
    this.disk = new DiskWaits(this.executors);
    this.dispatch = new Dispatch({
      executors: this.executors,
      ready: this.ready,
      disk: this.disk,
      stalls: this.stalls,
      avoid: this.avoid,
      init,
      roomed: this.roomed,
      startTask: (rule, executor, resourceClass, nowMs) => this.startTask(rule, executor, resourceClass, nowMs),
      failForGood: (rule, reason) => this.failForGood(rule, reason),
      stalled: (rule, reason) => this.actions.push({ type: "stalled", rule, reason }),
    });
  }

  /** Rule states, for progress displays and checkers. */
  stateOf(rule: number): RuleState {
    return stateCodes[this.state[rule]!]!;
  }

  counts(): Record<RuleState, number> {
    return countStates(this.state);
  }

  get executorCount(): number {
    return this.executors.size;
  }

  /** The earliest time the driver must send a tick, or undefined. */
  nextWakeMs(): number | undefined {
    const retryMs = this.retries.nextWakeMs();
    const deadlineMs = this.starts.nextWakeMs();
    return retryMs === undefined || deadlineMs === undefined ? (retryMs ?? deadlineMs) : Math.min(retryMs, deadlineMs);
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
    this.started = true;
    return this.step(nowMs);
  }

  handle(event: SchedulerEvent, nowMs: number): SchedulerAction[] {
    switch (event.type) {
      case "executor-joined": {
        assert(!this.executors.has(event.executor.id), `executor ${event.executor.id} joined twice`);
        const executor = { info: event.executor, free: { ...event.executor.capacity }, tasks: new Set<Task>() };
        this.executors.set(event.executor.id, executor);
        this.roomed.add(executor);
        this.stalls.changed(true);
        this.starts.executorJoined();
        // waiting rules its disk holds are queued again (they stayed `ready`)
        for (const rule of this.disk.changed(executor)) this.ready.push(this.classes[rule]!, rule);
        break;
      }
      case "executor-left":
        this.executorLeft(event.executorId, event.reason);
        break;
      case "task-finished":
        this.taskFinished(event.task, event.outcome, nowMs);
        break;
      case "task-awaiting":
      case "task-running": {
        const task = this.tasks.get(event.task);
        if (task && event.type === "task-awaiting") this.starts.awaiting(task);
        else if (task) this.starts.running(task, nowMs, this.actions);
        break;
      }
      case "stop":
        this.stop(event.reason, event.unstarted);
        break;
      case "drain": this.drain(event.reason); break;
      case "tick":
        break;
    }
    return this.step(nowMs);
  }

  private step(nowMs: number): SchedulerAction[] {
    if (!this.sizesChecked && this.started && this.executors.size > 0) {
      this.sizesChecked = true;
      this.dispatch.refuseTooLarge(this.classes, (rule) => this.state[rule] === 4);
    }
    this.runDue(nowMs);
    if (!this.stopping) {
      this.dispatch.run(nowMs);
      const waiting = this.disk.size > 0 ? this.disk.report() : undefined;
      if (waiting) this.actions.push({ type: "stalled", ...waiting });
      this.steal(nowMs);
    }
    this.roomed.clear();
    this.checkFinished();
    const actions = this.actions;
    this.actions = [];
    return actions;
  }

  private setState(rule: number, state: RuleState, extra?: Partial<Extract<SchedulerAction, { type: "state" }>>): void {
    this.state[rule] = stateCodes.indexOf(state);
    this.actions.push(extra === undefined ? { type: "state", rule, state, attempt: this.attempts[rule]! } : { type: "state", rule, state, attempt: this.attempts[rule]!, ...extra });
  }

  /** `routine`: the reason is for --json (the run says it once for all, e.g. an executor that left). */
  private enqueue(rule: number, reason: string | undefined, routine?: boolean): void {
    this.ready.push(this.classes[rule]!, rule);
    this.setState(rule, "ready", reason === undefined ? undefined : routine ? { reason, routine } : { reason });
  }

  private startTask(rule: number, executor: ExecutorState, resourceClass: ResourceClass, nowMs: number, moved = false): void {
    const attempt = (this.attempts[rule] = this.retries.failuresOf(rule) + 1);
    const task: Task = { id: this.nextTaskId++, rule, attempt, executor, startedMs: undefined, resourceClass, need: needOn(resourceClass.need, executor.info), moved };
    take(executor.free, task.need);
    executor.tasks.add(task);
    this.tasks.set(task.id, task);
    this.setState(rule, "running", { executorId: executor.info.id });
    this.actions.push({ type: "start", task: task.id, rule, attempt: ++this.startCounts[rule]!, executorId: executor.info.id });
    this.starts.noteStarted(executor, nowMs, this.actions);
  }

  /** Frees the task's resources. */
  private release(task: Task): void {
    give(task.executor.free, task.need);
    task.executor.tasks.delete(task);
    this.tasks.delete(task.id);
    this.starts.released(task);
    // a single executor has no one to take work from (a local run's hot path), unless rules wait set aside
    if (this.executors.size > 1 || this.dispatch.asideCount > 0) this.roomed.add(task.executor);
  }

  /**
   * Each executor left with free cores after dispatch (no ready task fits it) takes tasks
   * still queued on others, while its cores last (work-stealing.ts).
   */
  private steal(nowMs: number): void {
    for (const thief of this.roomed) {
      if (this.executors.get(thief.info.id) !== thief) continue;
      const mayTake = (task: Task) => mayRun(thief, task.resourceClass) && this.avoid[task.rule] !== thief.info.id && this.disk.allows(thief, task.rule);
      while (thief.free.cores > 0) {
        const task = taskToMove(this.executors.values(), thief, mayTake);
        if (!task) break;
        if (!this.dispatch.refuses(task.rule, thief)) this.move(task, thief, nowMs);
      }
    }
  }

  /** As a fast abort: aborted where it waited, ready again with the reason, dispatched here. */
  private move(task: Task, thief: ExecutorState, nowMs: number): void {
    const victim = task.executor;
    this.release(task);
    const reason = `moved from ${victim.info.id}, where it waited behind other tasks, to ${thief.info.id}, which had free cores`;
    this.actions.push({ type: "abort", task: task.id, rule: task.rule, executorId: victim.info.id, reason });
    this.setState(task.rule, "ready", { reason, routine: true });
    this.startTask(task.rule, thief, task.resourceClass, nowMs, true);
    this.startQueued(victim, nowMs);
  }

  /** After a task left an executor with a queue, the next queued tasks there count as started. */
  private startQueued(executor: ExecutorState, nowMs: number): void {
    if (executor.info.pipelineCores && this.executors.get(executor.info.id) === executor) this.starts.noteStarted(executor, nowMs, this.actions);
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
      this.starts.succeeded(task.resourceClass.category, durationMs);
      this.completed(task.rule, durationMs, task.executor.info.id);
      return;
    }
    // while the run stops, one its executor refused (`elsewhere`: its command never ran) was not started, one it stopped for what the tasks beside it took (`again`) is killed
    if ((outcome.elsewhere || outcome.again) && this.stopping) return void this.setState(task.rule, "waiting", outcome.again ? { reason: `killed: the run stopped (${this.stopping}); ${outcome.reason}`, unfinished: "killed" } : { reason: `not started: the run stopped (${this.stopping}); ${task.executor.info.id} could not run it (${outcome.reason})`, unfinished: "not-started" });
    if (outcome.elsewhere && this.runsElsewhere(task, outcome)) return;
    // where and how long it ran, as a done rule says (the dashboard places every attempt)
    const attempt = { durationMs, executorId: task.executor.info.id, ...(outcome.output === undefined ? {} : { output: outcome.output }) };
    // stopped for what the tasks beside it took together (`again`): it runs again (no retry counted) once they had time to end
    if (outcome.again && !this.stopping && ++this.lostRuns[task.rule]! <= (this.init.lostRunsPerRuleMax ?? 10)) return void this.setState(task.rule, "retrying", retryingIn(`${outcome.reason}; it runs again in`, this.retries.later(task.rule, nowMs, this.lostRuns[task.rule]!), attempt));
    const delayMs = this.retries.failed(task.rule, nowMs, outcome.permanent === true);
    if (delayMs === undefined) this.failForGood(task.rule, outcome.reason, attempt);
    else this.setState(task.rule, "retrying", retryingIn(`${outcome.reason}; retry in`, delayMs, attempt));
  }

  /**
   * A task its executor cannot run (`elsewhere`) goes back to the queue, avoiding that executor,
   * when another connected executor may run it (as when an executor leaves, at most
   * `lostRunsPerRuleMax` times); false when none may: it fails (and a retry, if any, avoids that
   * executor too, so it runs on one that joined since). One refused for its input bytes goes
   * only where they fit, and while none connected has the disk, it waits for one to join when
   * executors may join (`disk-waits.ts`).
   */
  private runsElsewhere(task: Task, outcome: { reason: string; inputBytes?: number }): boolean {
    const executorId = task.executor.info.id;
    const { rule, resourceClass } = task;
    this.avoid[rule] = executorId;
    if (outcome.inputBytes !== undefined) this.disk.learned(rule, outcome.inputBytes, outcome.reason);
    const other = this.elsewhere(task);
    const waits = !other && outcome.inputBytes !== undefined && this.init.executorsMayJoin;
    if ((!other && !waits) || this.stopping || ++this.lostRuns[rule]! > (this.init.lostRunsPerRuleMax ?? 10)) return false;
    if (other) this.enqueue(rule, `${executorId} cannot run it (${outcome.reason}): it runs elsewhere`);
    else {
      this.disk.park(rule, resourceClass.need);
      this.setState(rule, "ready", { reason: `${executorId} cannot run it (${outcome.reason}): it waits for a worker with a larger --disk`, routine: true });
    }
    return true;
  }

  /** Whether another connected executor may run the task and could hold it (capacity, disk). */
  private elsewhere(task: Task): boolean {
    return elsewhere(this.executors, task, (executor) => this.disk.allows(executor, task.rule));
  }

  private completed(rule: number, durationMs: number, executorId: string): void {
    this.doneCount++;
    this.setState(rule, "done", { durationMs, executorId });
    for (const dependant of this.plan.dependants[rule]!) {
      if (--this.waitingFor[dependant]! === 0 && this.state[dependant] === 0) this.enqueue(dependant, undefined);
    }
  }

  private failForGood(rule: number, reason: string, extra: { output?: string; durationMs?: number; executorId?: string } = {}): void {
    this.setState(rule, "failed", { reason, ...extra });
    const failed = this.plan.workflow.rules[rule]!;
    if (!this.stopping) this.drain(`rule '${writtenPath(failed.targets[0]!)}' (${formatLocation(failed.location)}) failed: ${reason}`);
  }

  /** Starts nothing more; what runs finishes; tasks queued on executors are not started (as make -j). */
  private drain(stopping: string): void {
    if (this.stopping) return;
    this.stopping = stopping;
    const reason = `not started: the run stopped (${stopping})`;
    for (const executor of this.executors.values()) {
      for (const task of queuedTasks(executor)) {
        this.release(task);
        this.actions.push({ type: "abort", task: task.id, rule: task.rule, executorId: executor.info.id, reason });
        this.setState(task.rule, "waiting", { reason, unfinished: "not-started" });
      }
    }
  }

  /** Tasks running, and tasks dispatched but still queued on their executor (for progress). */
  dispatchCounts(): { running: number; queued: number } {
    return dispatchCounts(this.executors.values(), this.tasks.size);
  }

  private runDue(nowMs: number): void {
    for (const rule of this.retries.due(nowMs)) if (this.state[rule] === 3 && !this.stopping) this.enqueue(rule, "retry");
    // a straggler no other executor could take is left to run: it would rerun where it was
    for (const { task, reason } of this.starts.due(nowMs, (task) => this.elsewhere(task))) {
      this.release(task);
      this.avoid[task.rule] = task.executor.info.id;
      this.actions.push({ type: "abort", task: task.id, rule: task.rule, executorId: task.executor.info.id, reason });
      this.enqueue(task.rule, reason);
      this.startQueued(task.executor, nowMs);
    }
  }

  private executorLeft(executorId: string, reason: string): void {
    const executor = this.executors.get(executorId);
    if (!executor) return;
    this.executors.delete(executorId);
    this.stalls.changed(false);
    this.disk.changed(undefined); // the largest disk connected may have left
    this.dispatch.executorLeft();
    for (const task of [...executor.tasks].sort((a, b) => a.id - b.id)) {
      this.release(task);
      if (++this.lostRuns[task.rule]! > (this.init.lostRunsPerRuleMax ?? 10)) {
        this.failForGood(task.rule, `lost its executor too often (last: ${reason})`);
      } else if (!this.stopping) {
        this.enqueue(task.rule, `executor ${executorId} left: ${reason}`, true);
      } else {
        this.setState(task.rule, "waiting", { reason: `killed: the run stopped (${this.stopping}) and executor ${executorId} left (${reason})`, unfinished: "killed" });
      }
    }
  }

  /** `unstarted`: tasks the driver never gave their executor (not started, whatever the scheduler reckoned). */
  private stop(reason: string, unstarted: readonly number[] = []): void {
    this.stopping ??= reason;
    const neverGiven = new Set(unstarted);
    for (const task of [...this.tasks.values()].sort((a, b) => a.id - b.id)) {
      this.release(task);
      this.actions.push({ type: "abort", task: task.id, rule: task.rule, executorId: task.executor.info.id, reason });
      // running tasks are killed; queued ones (or ones never sent) had not started
      const killed = task.startedMs !== undefined && !neverGiven.has(task.id);
      this.setState(task.rule, "waiting", killed ? { reason: `killed: the run stopped (${reason})`, unfinished: "killed" } : { reason: `not started: the run stopped (${reason})`, unfinished: "not-started" });
    }
  }

  private checkFinished(): void {
    if (this.finished) return;
    if (this.doneCount === this.state.length) {
      this.finished = true;
      this.actions.push({ type: "finished", ok: true });
    } else if (this.stopping && this.tasks.size === 0) {
      this.finished = true;
      // rules still ready or retrying (never dispatched again: the run stopped first, e.g. at its start for refused rules) will not start either
      for (let rule = 0; rule < this.state.length; rule++) if (this.state[rule] === 1 || this.state[rule] === 3) this.setState(rule, "waiting", { reason: `not started: the run stopped (${this.stopping})`, routine: true });
      this.actions.push({ type: "finished", ok: false, reason: this.stopping });
    }
  }
}
