// skein-io-adapter: reads the times of the source files a done rule is compared with.
/**
 * When a source file (one no rule makes) last changed, to tell whether a done rule must run
 * again. Upstream Makeflow (and make) compare its modification time; a time in the future (a
 * file from a machine whose clock is ahead, `touch -d '+1 hour'`) is then newer than any
 * rule's completion, and every rule reading it reran on every run, silently, until the clock
 * caught up. Here a source changed since a rule was done when both its modification time and
 * its change time (ctime, which the kernel sets to the current time on every write, `touch` or
 * `utimes`, and which no call can set back) are later than that: a future modification time
 * left untouched since the rule ran no longer reruns it; writing the file, or touching it
 * again, does. Sources with a modification time in the future are named, at most
 * `futureNamedMax` of them, in one warning per run, as make warns of clock skew.
 */
import { statSync } from "node:fs";
import { absolutePath } from "../paths.ts";

/** Future sources named in the warning; the rest are counted. */
export const futureNamedMax = 5;
/** A modification time this far past the clock is in the future (file systems and clocks round). */
export const futureToleranceMs = 1_000;

export class SourceTimes {
  /** The time each source counts as changed (0: absent, or a directory, never compared). */
  private readonly changedMs = new Map<string, number>();
  /** Sources seen with a modification time in the future, the first `futureNamedMax`, and their count. */
  private readonly future: Array<{ path: string; aheadMs: number }> = [];
  private futureCount = 0;

  /** `nowMs`: the epoch time future modification times are found against (the run's clock). */
  constructor(
    private readonly directory: string,
    readonly nowMs: number,
  ) {}

  /** When `path` (relative to the workflow's directory) last changed, as a rule's completion is compared with. */
  changedAtMs(path: string): number {
    let ms = this.changedMs.get(path);
    if (ms !== undefined) return ms;
    const stat = statSync(absolutePath(this.directory, path), { throwIfNoEntry: false });
    ms = stat === undefined || stat.isDirectory() ? 0 : Math.min(stat.mtimeMs, stat.ctimeMs);
    this.changedMs.set(path, ms);
    if (stat !== undefined && !stat.isDirectory() && stat.mtimeMs > this.nowMs + futureToleranceMs) {
      this.futureCount++;
      if (this.future.length < futureNamedMax) this.future.push({ path, aheadMs: stat.mtimeMs - this.nowMs });
    }
    return ms;
  }

  /** The warning line (with its newline) naming the sources found in the future, if any. */
  warning(): string | undefined {
    if (this.futureCount === 0) return undefined;
    const seconds = (aheadMs: number) => `${Math.round(aheadMs / 1000)} s`;
    if (this.futureCount === 1) return `skein flow: warning: source ${this.future[0]!.path} has a modification time ${seconds(this.future[0]!.aheadMs)} in the future (clock skew?)\n`;
    const named = this.future.map(({ path, aheadMs }) => `${path} (${seconds(aheadMs)})`);
    const more = this.futureCount - this.future.length;
    const list = more > 0 ? `${named.join(", ")} and ${more} more` : `${named.slice(0, -1).join(", ")} and ${named.at(-1)}`;
    return `skein flow: warning: sources ${list} have modification times in the future (clock skew?)\n`;
  }
}
