/**
 * A one-line progress bar on stderr for long work (seed campaigns, workflows). Draws only on
 * a terminal, at most every `redrawEveryMs`; elsewhere it stays silent so logs stay clean.
 */
import { formatDurationMs } from "./duration.ts";

export interface ProgressInit {
  readonly total: number;
  readonly unit: string;
  readonly stream?: NodeJS.WriteStream;
  readonly redrawEveryMs?: number;
  readonly widthChars?: number;
}

export class ProgressBar {
  private readonly stream: NodeJS.WriteStream;
  private readonly startMs = performance.now();
  private lastDrawMs = 0;
  private drawn = false;

  constructor(private readonly init: ProgressInit) {
    this.stream = init.stream ?? process.stderr;
  }

  get enabled(): boolean {
    return this.stream.isTTY === true;
  }

  /** Redraws with `done` of `total` finished and extra fields (e.g. "3 failed"). */
  update(done: number, fields: readonly string[] = [], force = false): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (!force && now - this.lastDrawMs < (this.init.redrawEveryMs ?? 100)) return;
    this.lastDrawMs = now;
    const { total, unit } = this.init;
    const width = this.init.widthChars ?? 30;
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(fraction * width);
    const elapsed = now - this.startMs;
    const eta = done > 0 ? (elapsed / done) * (total - done) : Number.POSITIVE_INFINITY;
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
