/**
 * Dispatch: the scheduler's pass over the ready queue. For each resource class it takes rules
 * from the head while an executor has room for them (`placement.ts`). A rule whose inputs fit
 * no connected worker's --disk waits outside the queue (`disk-waits.ts`), so it never blocks
 * its class; a class no connected executor could ever run fails, or waits for a larger worker
 * when workers may join (`stalls.ts`). Starting a task and failing a rule stay with the
 * scheduler, which owns the rules' states.
 */
import { describeNeed } from "./capacity.ts";
import type { DiskWaits } from "./disk-waits.ts";
import type { ExecutorState } from "./executor-tasks.ts";
import { chooseExecutor } from "./placement.ts";
import type { ReadyQueue, ResourceClass } from "./ready-queue.ts";
import type { Stalls } from "./stalls.ts";
import type { SchedulerInit } from "./types.ts";

export interface DispatchComponents {
  readonly executors: ReadonlyMap<string, ExecutorState>;
  readonly ready: ReadyQueue;
  readonly disk: DiskWaits;
  readonly stalls: Stalls;
  /** Per rule: the executor it avoids (fast-aborted or refused there), if any. */
  readonly avoid: ReadonlyArray<string | undefined>;
  readonly init: SchedulerInit;
  startTask(rule: number, executor: ExecutorState, resourceClass: ResourceClass, nowMs: number): void;
  failForGood(rule: number, reason: string): void;
  stalled(rule: number, reason: string): void;
}

export class Dispatch {
  constructor(private readonly components: DispatchComponents) {}

  run(nowMs: number): void {
    const { ready, disk, executors, avoid, init } = this.components;
    if (ready.size === 0) return;
    for (const resourceClass of ready.classes) {
      for (let rule = ready.peek(resourceClass); rule !== undefined; rule = ready.peek(resourceClass)) {
        const constrained = disk.constrains(rule);
        const executor = chooseExecutor(executors, resourceClass, avoid[rule], constrained ? (candidate) => disk.allows(candidate, rule) : undefined);
        if (!executor && constrained && init.executorsMayJoin && !disk.held(rule)) {
          disk.park(ready.shift(resourceClass)); // its executor left: it waits for one, not blocking its class
          continue;
        }
        if (!executor) {
          if (executors.size > 0 && !this.components.stalls.placeable(resourceClass)) this.unplaceable(resourceClass, rule);
          break;
        }
        ready.shift(resourceClass);
        this.components.startTask(rule, executor, resourceClass, nowMs);
      }
    }
  }

  /**
   * A class no executor connected could run fails, unless a larger executor may join: workers
   * may, but no second master's machine for LOCAL rules. Waiting, the user is told (stalls.ts).
   */
  private unplaceable(resourceClass: ResourceClass, rule: number): void {
    const { executors, init, stalls } = this.components;
    const masterConnected = resourceClass.local && [...executors.values()].some((executor) => executor.info.runsLocalRules);
    if (!init.executorsMayJoin || masterConnected) return this.failClass(resourceClass);
    const reason = stalls.report(resourceClass);
    if (reason !== undefined) this.components.stalled(rule, reason);
  }

  private failClass(resourceClass: ResourceClass): void {
    const reason = `needs ${describeNeed(resourceClass.need)}, more than any executor has`;
    for (const rule of this.components.ready.drain(resourceClass)) this.components.failForGood(rule, reason);
  }
}
