/**
 * The simulated network's fault state: partitions (symmetric groups and one-way cuts) and the
 * rates of loss, duplication and extra delay. The simulator asks `blocked` for every message,
 * so the common case — no partition — is a single boolean test.
 */
export interface LinkFaults {
  /** Probability a message is dropped. */
  lossRate: number;
  /** Probability a message is delivered twice. */
  duplicateRate: number;
  /** Probability a message gets `delayExtraMs`×U[0,1) extra delay (which reorders it). */
  delayRate: number;
  delayExtraMs: number;
}

export const NO_LINK_FAULTS: Readonly<LinkFaults> = { lossRate: 0, duplicateRate: 0, delayRate: 0, delayExtraMs: 0 };

export class NetworkState {
  private groupOf: number[] = [];
  private oneWay: Array<{ from: Set<number>; to: Set<number> }> = [];
  private partitioned = false;
  faults: LinkFaults = { ...NO_LINK_FAULTS };

  /** True if a message from node index `source` to `target` cannot pass. */
  blocked(source: number, target: number): boolean {
    if (!this.partitioned) return false;
    if ((this.groupOf[source] ?? 0) !== (this.groupOf[target] ?? 0)) return true;
    for (const cut of this.oneWay) if (cut.from.has(source) && cut.to.has(target)) return true;
    return false;
  }

  /** Splits nodes into `groups` (node indices); nodes in no group form one more group. */
  partition(groups: readonly (readonly number[])[]): void {
    this.groupOf = [];
    groups.forEach((group, i) => {
      for (const index of group) this.groupOf[index] = i + 1;
    });
    this.partitioned = true;
  }

  /** Messages from `from` to `to` are dropped; the other direction still works. */
  cutOneWay(from: readonly number[], to: readonly number[]): void {
    this.oneWay.push({ from: new Set(from), to: new Set(to) });
    this.partitioned = true;
  }

  /** Removes every partition and cut. */
  heal(): void {
    this.groupOf = [];
    this.oneWay = [];
    this.partitioned = false;
  }

  get isPartitioned(): boolean {
    return this.partitioned;
  }
}
