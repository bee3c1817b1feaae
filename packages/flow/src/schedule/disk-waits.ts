/**
 * Rules whose inputs are larger than a worker's `--disk` (its input cache holds all of a task's
 * inputs at once). The scheduler learns a rule's input bytes when an executor refuses its task
 * for them (a `TaskOutcome` with `inputBytes`); from then on the rule goes only to executors whose
 * disk holds them. While no executor connected does, the rule waits — still `ready` — outside
 * the ready queue (so it never blocks the rules of its class), as a rule needing more cores
 * than any worker waits (`stalls.ts`): a larger worker may join. The user is told once per
 * situation (a join that still does not fit, or another largest worker), and the rule runs as
 * soon as an executor that holds it joins.
 *
 * Cost: the largest disk connected is found once per change of who is connected; parking is
 * O(log n), and a join releases only the rules it holds, smallest first. Failing at once (the
 * rejected alternative, and what this replaced) made a workflow fail when its small worker
 * happened to connect a second before its large one.
 */
import type { ExecutorState } from "./executor-tasks.ts";
import { MinHeap } from "./min-heap.ts";

/** A waiting rule; the heap orders by its key, here the bytes the rule's inputs take. */
interface Parked {
  readonly atMs: number;
  readonly rule: number;
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
  /** The rule and reason of the last parked rule, for the report. */
  private last: { rule: number; reason: string } | undefined;

  constructor(private readonly executors: ReadonlyMap<string, ExecutorState>) {}

  /** Executors joined or left; returns the waiting rules the joined one holds, to queue again. */
  changed(joined: ExecutorState | undefined): number[] {
    this.membership++;
    if (!joined) return [];
    this.joins++;
    const released: number[] = [];
    const bytesMax = diskBytes(joined);
    if (!joined.info.runsRemoteRules) return released;
    for (let next = this.parked.peek(); next && next.atMs <= bytesMax; next = this.parked.peek()) released.push(this.parked.pop()!.rule);
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

  /** Whether some connected executor (running remote rules) holds the rule's inputs. */
  held(rule: number): boolean {
    const largest = this.largest();
    return largest !== undefined && this.allows(largest, rule);
  }

  /** The rule (whose input bytes are known) waits for an executor that holds its inputs. */
  park(rule: number): void {
    const known = this.known.get(rule)!;
    this.parked.push({ atMs: known.bytes, rule });
    this.last = { rule, reason: known.reason };
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
    return { rule: this.last.rule, reason: `waits for a worker with a larger --disk: ${this.last.reason}${alike}; the largest connected is ${largest.info.id}'s (${largest.info.capacity.diskMb} MB)` };
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

function diskBytes(executor: ExecutorState): number {
  return executor.info.capacity.diskMb * 1_000_000;
}
