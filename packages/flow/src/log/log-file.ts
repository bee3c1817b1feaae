// skein-io-adapter: appends the transaction log to disk and fsyncs it.
/**
 * Appends log lines with group commit. The driver calls `write()` after each batch of state
 * changes and before it starts any task of that batch: one write(2) puts the batch in the
 * kernel, so from then on a kill -9 of the master cannot lose it — every "running" line is
 * there before its command starts, every "done" line before a dependant starts. Syncing to the
 * disk (against a power loss) is a group commit: one fdatasync in the background at a time,
 * covering every batch written before it began, and at most one every `syncIntervalMs` — a
 * chain of trivial rules would otherwise sync after every rule, each sync a disk write and a
 * wake-up of the event loop; `close()` syncs what is left. Waiting for an fsync before each
 * start would cost a disk round trip per task (1–2 ms on this class of machine, as much as a
 * trivial task itself). A power loss can lose the lines of the last interval and sync (those
 * rules run again); the log stays a prefix of what happened, and a torn last line is ignored
 * when read.
 */
import { closeSync, fdatasync, fsyncSync, openSync, readFileSync, writeSync } from "node:fs";
import type { Clock, Timer } from "@skein/core";
import { LogFormatError, logHeader } from "./transaction-log.ts";

/** Least time between the starts of two background syncs of a log. */
export const syncIntervalMs = 25;

export class LogFile {
  private readonly fd: number;
  private pending: string[] = [];
  private syncing = false;
  private unsynced = false;
  private closed = false;
  private syncEnded: (() => void) | undefined;
  /** When the last background sync started (the clock's ms), and the timer of the next one. */
  private lastSyncMs = Number.NEGATIVE_INFINITY;
  private nextSync: Timer | undefined;
  /** Background syncs completed (for tests and statistics). */
  syncs = 0;

  constructor(
    readonly path: string,
    /** Spaces the background syncs (`realClock()` from @skein/net). */
    private readonly clock: Clock,
  ) {
    const existing = readLogText(path);
    this.fd = openSync(path, "a");
    if (existing === "") this.pending.push(`${logHeader}\n`);
    else if (!existing.endsWith("\n")) this.pending.push("\n"); // end a line torn by a kill
    this.write();
  }

  append(line: string): void {
    this.pending.push(line);
  }

  /**
   * Hands every appended line to the kernel now, and starts a group commit if none runs.
   * False when the log cannot be written (a full disk, an I/O error): the failure is kept in
   * `failure`, and nothing is written after it, so the file stays a prefix of what happened.
   */
  write(): boolean {
    if (this.failure) return false;
    if (this.pending.length === 0) return true;
    const text = this.pending.length === 1 ? this.pending[0]! : this.pending.join("");
    this.pending = [];
    try {
      writeSync(this.fd, text);
    } catch (error) {
      this.failure = error as Error;
      return false;
    }
    this.unsynced = true;
    this.sync();
    return true;
  }

  /** Why the log could not be written, once it could not. */
  failure: Error | undefined;

  private sync(): void {
    if (this.syncing || this.nextSync || !this.unsynced || this.closed) return;
    const nowMs = this.clock.nowMs();
    const waitMs = this.lastSyncMs + syncIntervalMs - nowMs;
    if (waitMs > 0) {
      // close() cancels it and syncs what is left
      this.nextSync = this.clock.setTimer(waitMs, () => {
        this.nextSync = undefined;
        this.sync();
      });
      return;
    }
    this.lastSyncMs = nowMs;
    this.syncing = true;
    this.unsynced = false;
    fdatasync(this.fd, () => {
      this.syncing = false;
      this.syncs++;
      this.syncEnded?.();
      this.sync();
    });
  }

  /** Writes and syncs what is left, then closes the file. */
  async close(): Promise<void> {
    this.write();
    this.closed = true;
    this.nextSync?.cancel();
    this.nextSync = undefined;
    if (this.syncing) await new Promise<void>((resolve) => (this.syncEnded = resolve));
    try {
      if (!this.failure) fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
    }
  }
}

/**
 * The log's text; "" when there is none yet. A log that exists but cannot be read (a directory
 * under its name, no permission) is an error: read as empty, the run would redo every rule, and
 * `--clean` would remove nothing and then fail on the log.
 */
export function readLogText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return "";
    const what = code === "EISDIR" ? "it is a directory, not a skein flow log" : `cannot read it (${code ?? (error as Error).message})`;
    throw new LogFormatError(`${path}: ${what}; move it away to start afresh`);
  }
}
