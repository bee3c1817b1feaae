/**
 * The progress line shown on a terminal: rules waiting / running (and queued on an executor) /
 * done / failed, workers connected and an estimate of the time left from the mean task time
 * so far. The estimate is made when a rule finishes and counts down from there: recomputed on
 * every draw, a long rule with nothing finishing made it count up (3s, 4s, 5s); past its end
 * with still nothing finished it is stale, shown as `?`. A run's last line, once it stopped
 * with rules left, has no estimate at all.
 */
import type { RuleState } from "../schedule/types.ts";

export interface ProgressSnapshot {
  readonly counts: Record<RuleState, number>;
  /** Of the running rules, those whose tasks still wait in an executor's queue. */
  readonly queued?: number;
  /** Of the done rules, those the log said were done when the run started: the ETA leaves them out of the pace. */
  readonly doneBefore?: number;
  /** Of the failed rules, those refused (no executor could ever run them): shown apart, as never run. */
  readonly refused?: number;
  /** Workers connected (-T workers); undefined for back ends without workers (not shown). */
  readonly workers?: number;
  readonly elapsedMs: number;
  /** When a rule last finished (done or failed), on the `elapsedMs` clock (default: `elapsedMs`); see `LastFinish`. */
  readonly lastFinishMs?: number;
  /** The run is over (its last line): rules left unfinished have no time left to estimate. */
  readonly ended?: boolean;
}

/** Remembers when the count of finished rules last changed, for `ProgressSnapshot.lastFinishMs`. */
export class LastFinish {
  private finished = -1;
  private atMs = 0;

  /** `finished`: rules done or failed now; returns when that count was first seen. */
  at(finished: number, nowMs: number): number {
    if (finished !== this.finished) {
      this.finished = finished;
      this.atMs = nowMs;
    }
    return this.atMs;
  }
}

function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor(seconds / 60) % 60).padStart(2, "0")}m`;
}

/** Width for a terminal that reports none (0 or undefined, as some pseudo-terminals do). */
export const progressWidthDefault = 100;

/** One line, at most `width` characters. */
export function progressLine(snapshot: ProgressSnapshot, width: number | undefined): string {
  if (!width || width < 0) width = progressWidthDefault;
  const { counts, workers, elapsedMs } = snapshot;
  const queued = snapshot.queued ?? 0;
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const finished = counts.done + counts.failed;
  const waiting = counts.waiting + counts.ready + counts.retrying;
  // the pace is this run's: rules a rerun found done took none of its time
  const doneNow = counts.done - (snapshot.doneBefore ?? 0);
  // the estimate made at the last finish, less the time since: stale (`?`) once that has run out
  const lastFinishMs = Math.min(snapshot.lastFinishMs ?? elapsedMs, elapsedMs);
  const leftMs = doneNow > 0 ? (lastFinishMs / doneNow) * (total - finished) - (elapsedMs - lastFinishMs) : 0;
  // rounded up: `0s` is for a run with nothing left
  const etaText = finished === total ? "0s" : leftMs > 0 ? formatDuration(Math.ceil(leftMs / 1000) * 1000) : "?";
  const eta = (separator: string) => (snapshot.ended && finished < total ? "" : `${separator}ETA ${etaText}`);
  const refused = Math.min(snapshot.refused ?? 0, counts.failed);
  const failed = counts.failed - refused;
  let text = `waiting ${waiting}  running ${counts.running - queued}${queued > 0 ? ` (+${queued} queued)` : ""}  done ${counts.done}  failed ${failed}${refused > 0 ? `  refused ${refused}` : ""}${workers === undefined ? "" : `  workers ${workers}`}${eta("  ")}`;
  // a narrow terminal gets the short form rather than losing `failed` and the ETA off the end
  if (text.length > width) text = `wait ${waiting} run ${counts.running - queued}${queued > 0 ? `+${queued}q` : ""} done ${counts.done} fail ${failed}${refused > 0 ? ` ref ${refused}` : ""}${workers === undefined ? "" : ` wk ${workers}`}${eta(" ")}`;
  // narrower still: one letter a count, so `fail` and the ETA stay (`w3 r2+1q d10 f0 ?`)
  if (text.length > width) text = `w${waiting} r${counts.running - queued}${queued > 0 ? `+${queued}q` : ""} d${counts.done} f${failed}${refused > 0 ? ` x${refused}` : ""}${workers === undefined ? "" : ` k${workers}`}${snapshot.ended && finished < total ? "" : ` ${etaText}`}`;
  const room = width - text.length - 4;
  const barWidth = room >= 5 ? Math.min(30, room) : 0; // a bar of a few characters says nothing
  const filled = total === 0 ? barWidth : Math.round((barWidth * finished) / total);
  const bar = barWidth > 0 ? `[${"#".repeat(filled)}${"-".repeat(barWidth - filled)}] ` : "";
  return `${bar}${text}`.slice(0, width);
}
