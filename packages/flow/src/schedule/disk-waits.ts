/**
 * Rules whose inputs are larger than a worker's `--disk` (its input cache holds all of a task's
 * inputs at once). The scheduler learns a rule's input bytes when an executor refuses its task
 * for them (a `TaskOutcome` with `inputBytes`); from then on the rule goes only to executors whose
 * disk holds them. While no executor connected does, the rule waits — still `ready` — outside
 * the ready queue (so it never blocks the rules of its class), as a rule needing more cores
 * than any worker waits (`stalls.ts`): a larger worker may join. An executor holds a rule when
 * its disk holds the inputs and it has the rule's cores, memory and GPUs too: a rule whose
 * inputs only a worker with too few cores could hold waits, and the user is told what is
 * missing (the cores), not the disk. The user is told once per situation (a join that still
 * does not fit, or another largest worker), and the rule runs as soon as an executor that holds
 * it joins.
 *
 * Cost: the largest disk connected is found once per change of who is connected; whether a
 * connected executor holds a rule is a scan of the executors, done when the rule finds none
 * free; parking is O(log n), and a join releases only the rules it holds, smallest first. Failing at once (the
 * rejected alternative, and what this replaced) made a workflow fail when its small worker
 * happened to connect a second before its large one.
 */
import { type Capacity, fits } from "./capacity.ts";
import type { ExecutorState } from "./executor-tasks.ts";
import { MinHeap } from "./min-heap.ts";

/** A waiting rule; the heap orders by its key, here the bytes the rule's inputs take. */
interface Parked {
  readonly atMs: number;
  readonly rule: number;
  readonly need: Capacity;
}

export class DiskWaits {
  /** Input bytes of the rules an executor refused for them, and why (few: a map, not an array per rule). */
  private readonly known = new Map<number, { bytes: number; reason: string }>();
  private readonly parked = new MinHeap<Parked>();
  /** The executor running remote rules with the largest disk, found again when executors change. */
  private largestKnown: ExecutorState | undefined;
  private membership = 0;
  private largestMembership = -1;
  private joins = 0;
  private reported: string | undefined;
  /** The last parked rule, for the report. */
  private last: { rule: number; reason: string; bytes: number; need: Capacity } | undefined;

  constructor(private readonly executors: ReadonlyMap<string, ExecutorState>) {}

  /** Executors joined or left; returns the waiting rules the joined one holds, to queue again. */
  changed(joined: ExecutorState | undefined): number[] {
    this.membership++;
    if (!joined) return [];
    this.joins++;
    const released: number[] = [];
    const bytesMax = diskBytes(joined);
    if (!joined.info.runsRemoteRules) return released;
    const unfit: Parked[] = [];
    for (let next = this.parked.peek(); next && next.atMs <= bytesMax; next = this.parked.peek()) {
      const parked = this.parked.pop()!;
      if (fits(parked.need, joined.info.capacity)) released.push(parked.rule);
      else unfit.push(parked); // its disk holds them, but it is short of cores (or memory)
    }
    for (const parked of unfit) this.parked.push(parked);
    if (this.parked.size === 0) this.last = undefined;
    return released;
  }

  /** Remembers that the rule's inputs take `bytes` on one executor (`reason`: as the executor that refused it said). */
  learned(rule: number, bytes: number, reason: string): void {
    this.known.set(rule, { bytes, reason });
  }

  /** Whether executors are chosen for the rule by their disk (its input bytes are known). */
  constrains(rule: number): boolean {
    return this.known.size > 0 && this.known.has(rule);
  }

  /** Whether the executor's disk holds the rule's inputs, as far as is known. */
  allows(executor: ExecutorState, rule: number): boolean {
    const bytes = this.known.get(rule)?.bytes;
    return bytes === undefined || bytes <= diskBytes(executor);
  }

  /** Whether some connected executor (running remote rules) holds the rule's inputs and has the resources it `need`s. */
  held(rule: number, need: Capacity): boolean {
    const largest = this.largest();
    if (largest === undefined || !this.allows(largest, rule)) return false;
    for (const executor of this.executors.values()) if (executor.info.runsRemoteRules && this.allows(executor, rule) && fits(need, executor.info.capacity)) return true;
    return false;
  }

  /** The rule (whose input bytes are known) waits for an executor that holds its inputs and has what it `need`s. */
  park(rule: number, need: Capacity): void {
    const known = this.known.get(rule)!;
    this.parked.push({ atMs: known.bytes, rule, need });
    this.last = { rule, reason: known.reason, bytes: known.bytes, need };
  }

  get size(): number {
    return this.parked.size;
  }

  /**
   * What to tell the user about the waiting rules, once per situation: the last rule parked,
   * why, and the largest --disk connected. Undefined when nothing waits or it was said.
   */
  report(): { rule: number; reason: string } | undefined {
    if (!this.last || this.parked.size === 0) return undefined;
    const largest = this.largest();
    if (!largest) return undefined; // no worker connected: the master says it waits for workers
    const situation = `${this.joins} ${largest.info.id}`;
    if (this.reported === situation) return undefined;
    this.reported = situation;
    const others = this.parked.size - 1;
    const alike = others === 0 ? "" : ` (as ${others === 1 ? "does 1 more ready rule" : `do ${others} more ready rules`})`;
    const { rule, reason, bytes, need } = this.last;
    const holders = [...this.executors.values()].filter((executor) => executor.info.runsRemoteRules && bytes <= diskBytes(executor));
    if (holders.length === 0) return { rule, reason: `waits for a worker with a larger --disk: ${reason}${alike}; the largest connected is ${largest.info.id}'s (${largest.info.capacity.diskMb} MB)` };
    const short = shortOf(need, holders);
    return { rule, reason: `waits for a worker with a larger --disk and ${short.wanted}: ${reason}${alike}; ${short.offered}` };
  }

  private largest(): ExecutorState | undefined {
    if (this.largestMembership !== this.membership) {
      this.largestMembership = this.membership;
      this.largestKnown = undefined;
      for (const executor of this.executors.values()) {
        if (executor.info.runsRemoteRules && (!this.largestKnown || diskBytes(executor) > diskBytes(this.largestKnown))) this.largestKnown = executor;
      }
    }
    return this.largestKnown;
  }
}

/**
 * What the workers whose disk holds a rule's inputs lack of its `need` (`wanted`: "4 cores"),
 * each resource at its largest among them (`offered`: "large, the only worker whose --disk
 * holds them, has 2 cores"); when each is there but on different workers, all it needs at once.
 */
function shortOf(need: Capacity, holders: readonly ExecutorState[]): { wanted: string; offered: string } {
  const most = (key: keyof Capacity) => Math.max(...holders.map((executor) => executor.info.capacity[key]));
  const count = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;
  const resources: Array<[keyof Capacity, (n: number) => string]> = [["cores", (n) => count(n, "core")], ["memoryMb", (n) => `${n} MB memory`], ["diskMb", (n) => `${n} MB disk`], ["gpus", (n) => count(n, "GPU")]];
  const lacking = resources.filter(([key]) => need[key] > most(key));
  const who = holders.length === 1 ? `${holders[0]!.info.id}, the only worker whose --disk holds them,` : `the ${holders.length} workers whose --disk holds them`;
  if (lacking.length === 0) {
    const all = resources.filter(([key]) => key === "cores" || need[key] > 0).map(([key, say]) => say(need[key]));
    return { wanted: `${all.join(", ")} at once`, offered: `none of ${who.replace(/,$/, "")} has them all at once` };
  }
  const offered = lacking.map(([key, say]) => say(most(key))).join(", ");
  return { wanted: lacking.map(([key, say]) => say(need[key])).join(", "), offered: `${who} ${holders.length === 1 ? "has" : "have at most"} ${offered}` };
}

function diskBytes(executor: ExecutorState): number {
  return executor.info.capacity.diskMb * 1_000_000;
}
