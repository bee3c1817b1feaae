/**
 * Dispatch: the scheduler's pass over the ready queue. For each resource class it takes rules
 * from the head while an executor has room for them (`placement.ts`). A rule whose inputs fit
 * no connected worker's --disk waits outside the queue (`disk-waits.ts`), so it never blocks
 * its class; a class no connected executor could ever run fails, or waits for a larger worker
 * when workers may join (`stalls.ts`). Starting a task and failing a rule stay with the
 * scheduler, which owns the rules' states.
 *
 * A head rule that may go only to some executors — its inputs' bytes fit only a large
 * worker's --disk, or it avoids the executor that fast-aborted or refused it — while those are
 * full, is set aside when another executor has room for its class, so the rules behind it run
 * there (head-of-line blocking: a busy large worker held back the small idle ones). Set-aside
 * rules go first in each pass, but each is looked at only when an executor that may take it
 * got room since the last pass, so a pass costs O(set aside × executors with new room) more,
 * never a scan of the queue; at most `setAsideRulesMax` wait so, and past that a head rule
 * blocks its class as before (slower, never wrong). The rejected alternative, scanning the
 * queue for a rule that fits, is the quadratic dispatch `ready-queue.ts` avoids.
 */
import { describeTooLarge } from "./capacity.ts";
import type { DiskWaits } from "./disk-waits.ts";
import type { ExecutorState } from "./executor-tasks.ts";
import { chooseExecutor, mayRun } from "./placement.ts";
import type { ReadyQueue, ResourceClass } from "./ready-queue.ts";
import type { Stalls } from "./stalls.ts";
import type { SchedulerInit } from "./types.ts";

/** Rules set aside at once while the executors they may go to are full (see above). */
export const setAsideRulesMax = 256;

export interface DispatchComponents {
  readonly executors: ReadonlyMap<string, ExecutorState>;
  readonly ready: ReadyQueue;
  readonly disk: DiskWaits;
  readonly stalls: Stalls;
  /** Per rule: the executor it avoids (fast-aborted or refused there), if any. */
  readonly avoid: ReadonlyArray<string | undefined>;
  readonly init: SchedulerInit;
  /** Executors that joined, or whose resources were freed, since the last pass. */
  readonly roomed: ReadonlySet<ExecutorState>;
  startTask(rule: number, executor: ExecutorState, resourceClass: ResourceClass, nowMs: number): void;
  failForGood(rule: number, reason: string): void;
  stalled(rule: number, reason: string): void;
}

interface SetAside {
  readonly rule: number;
  readonly resourceClass: ResourceClass;
}

export class Dispatch {
  /** In the order they were set aside (their order in the queue). */
  private aside: SetAside[] = [];

  constructor(private readonly components: DispatchComponents) {}

  /** Rules set aside, still `ready`. */
  get asideCount(): number {
    return this.aside.length;
  }

  run(nowMs: number): void {
    const { ready, disk, executors, init } = this.components;
    if (this.aside.length > 0) this.runAside(nowMs);
    if (ready.size === 0) return;
    for (const resourceClass of ready.classes) {
      for (let rule = ready.peek(resourceClass); rule !== undefined; rule = ready.peek(resourceClass)) {
        const executor = this.place(rule, resourceClass);
        if (!executor && disk.constrains(rule) && init.executorsMayJoin && !disk.held(rule, resourceClass.need)) {
          disk.park(ready.shift(resourceClass), resourceClass.need); // its executor left (or never was): it waits for one, not blocking its class
          continue;
        }
        if (!executor) {
          if (executors.size > 0 && !this.components.stalls.placeable(resourceClass)) this.unplaceable(resourceClass, rule);
          else if (this.setAside(rule, resourceClass)) continue;
          break;
        }
        ready.shift(resourceClass);
        this.components.startTask(rule, executor, resourceClass, nowMs);
      }
    }
  }

  /** Executors left: the set-aside rules go back to the queue, to be placed (or parked, or set aside) again. */
  executorLeft(): void {
    for (const { rule, resourceClass } of this.aside) this.components.ready.push(resourceClass, rule);
    this.aside = [];
  }

  /**
   * Whether the executor would refuse the rule's task for its inputs' bytes (`inputsOverDisk`):
   * then they are learned, and the rule goes only where they fit from now on.
   */
  refuses(rule: number, executor: ExecutorState): boolean {
    const refusal = executor.info.inputsOverDisk?.(rule);
    if (refusal) this.components.disk.learned(rule, refusal.bytes, refusal.reason);
    return refusal !== undefined;
  }

  /**
   * The executor for the rule, after it says it holds the rule's inputs (asked once: once their
   * bytes are known, only executors that hold them are chosen).
   */
  private place(rule: number, resourceClass: ResourceClass): ExecutorState | undefined {
    const executor = this.choose(rule, resourceClass);
    if (!executor || this.components.disk.constrains(rule) || !this.refuses(rule, executor)) return executor;
    return this.choose(rule, resourceClass);
  }

  private choose(rule: number, resourceClass: ResourceClass): ExecutorState | undefined {
    const { disk, executors, avoid } = this.components;
    return chooseExecutor(executors, resourceClass, avoid[rule], disk.constrains(rule) ? (candidate) => disk.allows(candidate, rule) : undefined);
  }

  /** Sets the head rule aside when only some executors may take it, and another has room for its class now. */
  private setAside(rule: number, resourceClass: ResourceClass): boolean {
    const { ready, disk, executors, avoid } = this.components;
    if (this.aside.length >= setAsideRulesMax || (avoid[rule] === undefined && !disk.constrains(rule))) return false;
    if (!chooseExecutor(executors, resourceClass, undefined)) return false;
    this.aside.push({ rule: ready.shift(resourceClass), resourceClass });
    return true;
  }

  /** Starts the set-aside rules an executor with new room may take, oldest first. */
  private runAside(nowMs: number): void {
    const { roomed, disk } = this.components;
    if (roomed.size === 0) return;
    const kept: SetAside[] = [];
    for (const entry of this.aside) {
      const { rule, resourceClass } = entry;
      let candidate = false;
      // the executor it avoids too: it goes there when no other may run it (`placement.ts`)
      for (const executor of roomed) if (mayRun(executor, resourceClass) && disk.allows(executor, rule)) candidate = true;
      const executor = candidate ? this.place(rule, resourceClass) : undefined;
      if (executor) this.components.startTask(rule, executor, resourceClass, nowMs);
      else kept.push(entry);
    }
    this.aside = kept;
  }

  /**
   * A class no executor connected could run fails, unless a larger executor may join: workers
   * may, but no second master's machine for LOCAL rules. Waiting, the user is told (stalls.ts).
   */
  private unplaceable(resourceClass: ResourceClass, rule: number): void {
    if (this.neverRuns(resourceClass)) return this.failClass(resourceClass);
    const reason = this.components.stalls.report(resourceClass);
    if (reason !== undefined) this.components.stalled(rule, reason);
  }

  /**
   * Whether no executor connected could run the class, and none that could may join. The
   * scheduler asks before anything runs, so a run is refused at its start rather than failing
   * partway; a class found so later (its executor left) fails when it comes up.
   */
  neverRuns(resourceClass: ResourceClass): boolean {
    const { executors, init, stalls } = this.components;
    if (executors.size === 0 || stalls.placeable(resourceClass)) return false;
    return !init.executorsMayJoin || (resourceClass.local && [...executors.values()].some((executor) => executor.info.runsLocalRules));
  }

  /**
   * Before anything runs (once executors are connected), the first rule of each class that none
   * of them could ever run (and none that could may join) fails, naming what it lacks: the run
   * is refused, rather than failing partway once the rules before it ran.
   */
  refuseTooLarge(classes: readonly ResourceClass[], done: (rule: number) => boolean): void {
    const seen = new Set<ResourceClass>();
    for (let rule = 0; rule < classes.length; rule++) {
      const resourceClass = classes[rule]!;
      if (done(rule) || seen.has(resourceClass)) continue;
      seen.add(resourceClass);
      if (this.neverRuns(resourceClass)) this.components.failForGood(rule, this.tooLarge(resourceClass));
    }
  }

  /** Why the class never runs here: what it needs that the closest executor lacks ("needs 1 GPU; this machine has 0 GPUs"). */
  tooLarge(resourceClass: ResourceClass): string {
    const closest = this.components.stalls.closest(resourceClass);
    return closest ? describeTooLarge(resourceClass.need, closest.info) : "no executor connected may run it";
  }

  private failClass(resourceClass: ResourceClass): void {
    const reason = this.tooLarge(resourceClass);
    for (const rule of this.components.ready.drain(resourceClass)) this.components.failForGood(rule, reason);
  }
}
