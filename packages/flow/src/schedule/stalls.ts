/**
 * Ready rules that no connected executor could ever run (a rule needing 4 cores, workers of 2).
 * When no executor can join (local, Slurm) they fail at once; with workers, a larger one may
 * join, so they wait — but the user is told which rule waits and for what, once per situation:
 * again only when an executor joins that still does not fit, or the largest one connected
 * changes. Whether a class could run is cached until executors join or leave, so a stalled
 * class costs O(1) per scheduler pass, not a scan of every executor.
 */
import { type Capacity, fits, needOn } from "./capacity.ts";
import type { ExecutorState } from "./executor-tasks.ts";
import type { ResourceClass } from "./ready-queue.ts";

interface Verdict {
  readonly membership: number;
  readonly placeable: boolean;
  /** Whether `report` looked at this class since executors last joined or left. */
  looked: boolean;
}

export class Stalls {
  /** Bumped when executors join or leave: cached verdicts are stale then. */
  private membership = 0;
  private joins = 0;
  private readonly verdicts = new Map<ResourceClass, Verdict>();
  /** The situation each stalled class was last reported in. */
  private readonly reported = new Map<ResourceClass, string>();

  constructor(
    private readonly executors: ReadonlyMap<string, ExecutorState>,
    private readonly mayRun: (executor: ExecutorState, resourceClass: ResourceClass) => boolean,
  ) {}

  changed(joined: boolean): void {
    this.membership++;
    if (joined) this.joins++;
  }

  /** Whether some connected executor that may run the class has the capacity for it. */
  placeable(resourceClass: ResourceClass): boolean {
    const known = this.verdicts.get(resourceClass);
    if (known?.membership === this.membership) return known.placeable;
    let placeable = false;
    for (const executor of this.executors.values()) {
      if (this.mayRun(executor, resourceClass) && fits(needOn(resourceClass.need, executor.info), executor.info.capacity)) placeable = true;
    }
    this.verdicts.set(resourceClass, { membership: this.membership, placeable, looked: false });
    if (placeable) this.reported.delete(resourceClass);
    return placeable;
  }

  /**
   * Why the class (just found not placeable) waits, if that was not said in this situation yet;
   * nothing while no executor that may run it is connected (the master says it waits for
   * workers). It looks at the executors once per change of who is connected.
   */
  report(resourceClass: ResourceClass): string | undefined {
    const verdict = this.verdicts.get(resourceClass);
    if (!verdict || verdict.looked) return undefined;
    verdict.looked = true;
    const largest = this.closest(resourceClass);
    if (!largest) return undefined;
    const situation = `${this.joins} ${largest.info.id}`;
    if (this.reported.get(resourceClass) === situation) return undefined;
    this.reported.set(resourceClass, situation);
    const need = resourceClass.need;
    const others = resourceClass.rules.length - resourceClass.head - 1;
    const alike = others === 0 ? "" : ` (as ${others === 1 ? "does 1 more ready rule" : `do ${others} more ready rules`})`;
    return `needs ${describe(need, need)}${alike}; the largest worker connected (${largest.info.id}) offers ${describe(need, largest.info.capacity)}: waiting for a larger worker`;
  }

  /** The executor that may run the class short of its need in the fewest resources, then the largest (cores first). */
  closest(resourceClass: ResourceClass): ExecutorState | undefined {
    const need = resourceClass.need;
    const short = (c: Capacity) => Number(c.cores < need.cores) + Number(c.memoryMb < need.memoryMb) + Number(c.diskMb < need.diskMb) + Number(c.gpus < need.gpus);
    let best: ExecutorState | undefined;
    for (const executor of this.executors.values()) {
      if (!this.mayRun(executor, resourceClass)) continue;
      if (!best || compare(executor.info.capacity, best.info.capacity, short) < 0) best = executor;
    }
    return best;
  }
}

/** Negative when `a` is closer to fitting than `b`. */
function compare(a: Capacity, b: Capacity, short: (c: Capacity) => number): number {
  return short(a) - short(b) || b.cores - a.cores || b.memoryMb - a.memoryMb || b.diskMb - a.diskMb || b.gpus - a.gpus;
}

/** `capacity` in the resources `need` asks for: cores always, memory, disk and GPUs when needed. */
function describe(need: Capacity, capacity: Capacity): string {
  const parts = [`${capacity.cores} core${capacity.cores === 1 ? "" : "s"}`];
  if (need.memoryMb > 0) parts.push(`${capacity.memoryMb} MB memory`);
  if (need.diskMb > 0) parts.push(`${capacity.diskMb} MB disk`);
  if (need.gpus > 0) parts.push(`${capacity.gpus} GPU${capacity.gpus === 1 ? "" : "s"}`);
  return parts.join(", ");
}
