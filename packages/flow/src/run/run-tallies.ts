/**
 * Tallies a run keeps for its messages: which executor each running rule is on (to say how
 * many tasks go back to the queue when a worker leaves) and what a stop left unfinished.
 */

/** Which executor each running rule is on, and how many rules each executor runs (-T workers). */
export class RunningOn {
  private readonly executorOf = new Map<number, string>();
  private readonly counts = new Map<string, number>();

  /** Notes that `rule` now runs on `executorId` (undefined: on none). */
  set(rule: number, executorId: string | undefined): void {
    const before = this.executorOf.get(rule);
    if (before === executorId) return;
    if (before !== undefined) {
      this.counts.set(before, this.counts.get(before)! - 1);
      this.executorOf.delete(rule);
    }
    if (executorId === undefined) return;
    this.executorOf.set(rule, executorId);
    this.counts.set(executorId, (this.counts.get(executorId) ?? 0) + 1);
  }

  count(executorId: string): number {
    return this.counts.get(executorId) ?? 0;
  }

  /** The rules running on `executorId`, in rule order. */
  rulesOn(executorId: string): number[] {
    if (this.count(executorId) === 0) return [];
    const rules: number[] = [];
    for (const [rule, on] of this.executorOf) if (on === executorId) rules.push(rule);
    return rules.sort((a, b) => a - b);
  }
}

/** Rules named in the line about killed ones; the rest are counted. */
const unfinishedNamedMax = 10;

/**
 * Rules a stop took back: killed while running, or dispatched and not started. One line for
 * all at the end (a stop at -j 64 would otherwise print 64 lines of the same reason).
 */
export class Unfinished {
  private readonly killed: string[] = [];
  private killedCount = 0;
  private notStarted = 0;

  add(kind: "killed" | "not-started", name: string): void {
    if (kind === "not-started") {
      this.notStarted++;
      return;
    }
    if (this.killedCount++ < unfinishedNamedMax) this.killed.push(name);
  }

  summary(): string | undefined {
    const rules = (count: number) => `${count} ${count === 1 ? "rule" : "rules"}`;
    const parts: string[] = [];
    if (this.killedCount > 0) {
      const more = this.killedCount > this.killed.length ? `, and ${this.killedCount - this.killed.length} more` : "";
      parts.push(`${rules(this.killedCount)} running, killed (${this.killed.join(", ")}${more})`);
    }
    if (this.notStarted > 0) parts.push(`${rules(this.notStarted)} queued, not started`);
    return parts.length === 0 ? undefined : `the run stopped with ${parts.join(", and ")}; a rerun runs them`;
  }
}
