/**
 * What a run's progress bar counts: its own rules and, once a nested workflow's run has its
 * plan, that run's rules too (nested deeper, theirs as well), so a 300-rule `MAKEFLOW sub.mf`
 * moves the bar and the ETA instead of showing `running 1` until it ends. Only the top run
 * draws a bar; each nested run hands its tally up to the run around it.
 * Once its nested run has read its workflow, the rule that runs it is not counted: its
 * nested rules stand for it (while they run, `-j 2` shows at most 2 running, not 3; when they
 * are done, the totals do not grow by one), so the totals stay the same from the nested run's
 * start to the end, and on a rerun that finds the rule done (nested-complete.ts). When a nested
 * run ends, its done and failed rules stay in the counts and the rules it left undone count as
 * waiting (a rerun, or a retry, runs them), still standing for the rule that ran it whatever its
 * state (waiting to be retried, running again before its new nested run has read its workflow),
 * so the totals do not move when a nested run fails or stops; a retry of the same rule replaces
 * its earlier attempt's counts.
 * A nested run that failed because its own rules failed is one failure, not two: those rules
 * are counted, and the `MAKEFLOW` rule that failed with them is not (its failure is their
 * consequence, and its message says so); a nested run that failed with no rule of its own
 * failed (a workflow error, a self-nesting, targets it did not make) counts the `MAKEFLOW`
 * rule, so `failed` is never 0 on a run that failed.
 * The alternative rejected: a second bar per nested run — several nested runs at once, or
 * nested deeper, would need a row each, and the ETA would still know only the outer rules.
 */
import type { RuleState } from "../schedule/types.ts";

export interface ProgressCounts {
  readonly counts: Record<RuleState, number>;
  /** Of the running rules, those whose tasks still wait in an executor's queue. */
  readonly queued: number;
  /** Of the done rules, those the log said were done when the run started. */
  readonly doneBefore: number;
  /** Of the failed rules, those refused: no executor could ever run them (refusals.ts). */
  readonly refused?: number;
}

/** How a nested run reports to the run around it: it gives how to read its counts, and gets how to say it ended. */
export type EnclosingProgress = (read: () => ProgressCounts) => () => void;

interface NestedEntry {
  read: () => ProgressCounts;
  live: boolean;
  /** Ended, with rules of its own failed: the rule that ran it, if it failed, is not counted. */
  failedInside: boolean;
  /** The rule that ran it was found done by the log (its counts stand for a rule done before). */
  foundDone: boolean;
}

const noCounts = (): Record<RuleState, number> => ({ waiting: 0, ready: 0, running: 0, retrying: 0, done: 0, failed: 0 });

export class ProgressTally {
  /** The nested run of each nested workflow rule, by rule id (at most one entry per rule of this workflow). */
  private readonly nested = new Map<number, NestedEntry>();

  /** `own`: this run's counts; `stateOf`: the state of a rule of this run. */
  constructor(
    private readonly own: () => ProgressCounts,
    private readonly stateOf: (rule: number) => RuleState = () => "waiting",
  ) {}

  /**
   * Notes the nested run that `rule` started, whose counts `read` gives; returns how to note
   * that it ended (its finished rules' counts are kept). `foundDone`: the log found `rule`
   * done, and `read` counts its nested workflow's rules, all done before this run.
   */
  attach(rule: number, read: () => ProgressCounts, foundDone = false): () => void {
    const entry: NestedEntry = { read, live: true, failedInside: false, foundDone };
    this.nested.set(rule, entry);
    return () => {
      if (!entry.live) return;
      const { counts, doneBefore, refused } = read();
      const undone = counts.waiting + counts.ready + counts.running + counts.retrying;
      const last: ProgressCounts = { counts: { ...noCounts(), waiting: undone, done: counts.done, failed: counts.failed }, queued: 0, doneBefore, ...(refused ? { refused } : {}) };
      entry.read = () => last;
      entry.live = false;
      entry.failedInside = counts.failed > 0;
    };
  }

  /**
   * How many rules failed for good in the nested run `rule` last ran, once that run has ended
   * (nested deeper too, as the bar counts them: its `MAKEFLOW` rules failed with them are not):
   * --json's `failed` event of the `MAKEFLOW` rule says so (`nestedFailed`), so that a reader
   * counts those rules' failures, not this one too.
   */
  nestedFailed(rule: number): number {
    const entry = this.nested.get(rule);
    return entry === undefined || entry.live ? 0 : entry.read().counts.failed;
  }

  /** This run's counts with its nested runs' added. */
  read(): ProgressCounts {
    const own = this.own();
    const counts = { ...own.counts };
    let queued = own.queued;
    let doneBefore = own.doneBefore;
    let refused = own.refused ?? 0;
    // the rules that ran nested workflows, shown by their nested rules (see above), by their state
    const shownBy = noCounts();
    let foundDone = 0;
    for (const [rule, entry] of this.nested) {
      const nested = entry.read();
      for (const state of Object.keys(counts) as RuleState[]) counts[state] += nested.counts[state];
      queued += nested.queued;
      doneBefore += nested.doneBefore;
      refused += nested.refused ?? 0;
      const state = entry.live ? "running" : this.stateOf(rule);
      // failed with no rule of its own failed (a workflow error): the MAKEFLOW rule is the failure
      if (state === "failed" && !entry.failedInside) continue;
      shownBy[state]++;
      if (state === "done" && entry.foundDone) foundDone++;
    }
    for (const state of Object.keys(counts) as RuleState[]) counts[state] -= Math.min(shownBy[state], own.counts[state]);
    doneBefore -= Math.min(foundDone, own.doneBefore);
    return refused > 0 ? { counts, queued, doneBefore, refused } : { counts, queued, doneBefore };
  }
}
