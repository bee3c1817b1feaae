/**
 * A one-line progress bar on stderr for long work (seed campaigns, workflows). Draws only on
 * a terminal, at most every `redrawEveryMs`; elsewhere it stays silent so logs stay clean.
 * The ETA is the estimate made when `done` last rose, counting down from there (recomputed at
 * each redraw it counted up while nothing finished), and `?` once it ran out.
 */
import { formatDurationMs } from "./duration.ts";

export interface ProgressInit {
  readonly total: number;
  readonly unit: string;
  readonly stream?: NodeJS.WriteStream;
  readonly redrawEveryMs?: number;
  readonly widthChars?: number;
  /** Milliseconds on a monotonic clock (default: performance.now). */
  readonly nowMs?: () => number;
}

export class ProgressBar {
  private readonly stream: NodeJS.WriteStream;
  private readonly nowMs: () => number;
  private readonly startMs: number;
  private lastDrawMs = 0;
  /** `done` at the last update, and the elapsed time when it was first seen. */
  private lastDone = 0;
  private lastDoneElapsedMs = 0;
  private drawn = false;

  constructor(private readonly init: ProgressInit) {
    this.stream = init.stream ?? process.stderr;
    this.nowMs = init.nowMs ?? (() => performance.now());
    this.startMs = this.nowMs();
  }

  get enabled(): boolean {
    return this.stream.isTTY === true;
  }

  /** Redraws with `done` of `total` finished and extra fields (e.g. "3 failed"). */
  update(done: number, fields: readonly string[] = [], force = false): void {
    if (!this.enabled) return;
    const now = this.nowMs();
    if (done !== this.lastDone) {
      this.lastDone = done;
      this.lastDoneElapsedMs = now - this.startMs;
    }
    if (!force && now - this.lastDrawMs < (this.init.redrawEveryMs ?? 100)) return;
    this.lastDrawMs = now;
    const { total, unit } = this.init;
    const width = this.init.widthChars ?? 30;
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(fraction * width);
    const elapsed = now - this.startMs;
    const left = done > 0 ? (this.lastDoneElapsedMs / done) * (total - done) - (elapsed - this.lastDoneElapsedMs) : 0;
    const eta = left > 0 ? left : Number.POSITIVE_INFINITY; // formatted `?`
    const bar = `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
    const line = `${bar} ${done}/${total} ${unit}  ${fields.join("  ")}  ETA ${done >= total ? "0s" : formatDurationMs(eta)}`;
    // a line longer than the terminal wraps, and clearing the row would clear only its end
    const columns = this.stream.columns;
    this.stream.write(`\r\x1b[2K${columns > 1 && line.length >= columns ? line.slice(0, columns - 1) : line}`);
    this.drawn = true;
  }

  /** Clears the bar so the summary prints on a clean line. */
  finish(): void {
    if (this.drawn) this.stream.write("\r\x1b[2K");
    this.drawn = false;
  }
}
