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
import { accessSync, closeSync, constants, fdatasync, fstatSync, fsyncSync, ftruncateSync, lstatSync, openSync, readSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { Clock, Timer } from "@skein/core";
import { runLine } from "./file-lines.ts";
import type { LiveLines } from "./live-lines.ts";
import { LogFormatError, LogReader, type LogSummary, logHeader, notALog } from "./transaction-log.ts";
import type { Rule } from "../workflow.ts";

/** Least time between the starts of two background syncs of a log. */
export const syncIntervalMs = 25;

export class LogFile {
  /** The open file; undefined until the first line is written (a run that logs nothing leaves no file). */
  private fd: number | undefined;
  private pending: string[] = [];
  private syncing = false;
  /** When the oldest line no sync covers yet was written (the clock's ms), if there is one. */
  private unsyncedSinceMs: number | undefined;
  private closed = false;
  private syncEnded: (() => void) | undefined;
  /** When the last background sync started (the clock's ms), and the timer of the next one. */
  private lastSyncMs = Number.NEGATIVE_INFINITY;
  private nextSync: Timer | undefined;
  /** Whether this run's `# RUN` line is appended (before its first line: a run that logs nothing writes none). */
  private runMarked = false;
  /** Background syncs completed (for tests and statistics). */
  syncs = 0;

  /**
   * Opens an existing log for appending; a new one is made with the first line written (a run
   * refused before any rule started leaves none), and now only checked for: its directory must
   * take it (else this throws, with the code).
   */
  constructor(
    readonly path: string,
    /** Spaces the background syncs (`realClock()` from @skein/net). */
    private readonly clock: Clock,
  ) {
    if (lstatSync(path, { throwIfNoEntry: false }) === undefined) {
      accessSync(dirname(path), constants.W_OK | constants.X_OK);
      return;
    }
    this.open();
    this.write();
  }

  /** Opens the file, and readies its start: the header on a new or torn-header log, a newline after a torn line. */
  private open(): number {
    const fd = openSync(this.path, "a+"); // read too: how the file ends
    try {
      const last = lastBytes(fd, logHeader.length + 1);
      // a new log, or only the header's start (a kill during the first write): write it whole
      if (!last.includes("\n") && logHeader.startsWith(last)) {
        if (last !== "") ftruncateSync(fd, 0);
        this.pending.unshift(`${logHeader}\n`);
      } else if (!last.endsWith("\n")) this.pending.unshift("\n"); // end a line torn by a kill
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    this.fd = fd;
    return fd;
  }

  append(line: string): void {
    // a run's lines follow its `# RUN` line: a running file line before it is an earlier run's
    if (!this.runMarked) {
      this.runMarked = true;
      this.pending.push(runLine(this.clock.epochMs()));
    }
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
    try {
      const fd = this.fd ?? this.open();
      const text = this.pending.length === 1 ? this.pending[0]! : this.pending.join("");
      this.pending = [];
      // a nearly full disk takes part of a write without an error: the rest then fails
      const bytes = Buffer.from(text, "latin1");
      for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    } catch (error) {
      this.failure = error as Error;
      return false;
    }
    this.unsyncedSinceMs ??= this.clock.nowMs();
    this.sync();
    return true;
  }

  /** Why the log could not be written, once it could not. */
  failure: Error | undefined;

  /**
   * Starts a sync now if the interval since the last one has passed (most often in the wake-up
   * that wrote the lines), else leaves a timer for when the oldest unsynced line is
   * `syncIntervalMs` old — and a write in the meantime, once the interval has passed, starts
   * the sync then and cancels the timer: a sync never waits for a wake-up of its own while
   * lines keep coming, and no line waits more than the interval (and a sync in progress).
   */
  private sync(): void {
    if (this.syncing || this.unsyncedSinceMs === undefined || this.closed) return;
    const nowMs = this.clock.nowMs();
    if (nowMs < this.lastSyncMs + syncIntervalMs) {
      // close() cancels it and syncs what is left. Whole milliseconds: Node's timers wake at a
      // whole millisecond, find a fractional deadline not yet due, and sleep again (two wake-ups)
      this.nextSync ??= this.clock.setTimer(Math.ceil(Math.max(this.unsyncedSinceMs + syncIntervalMs, this.lastSyncMs + syncIntervalMs) - nowMs), () => {
        this.nextSync = undefined;
        this.sync();
      });
      return;
    }
    this.nextSync?.cancel();
    this.nextSync = undefined;
    this.lastSyncMs = nowMs;
    this.syncing = true;
    this.unsyncedSinceMs = undefined;
    fdatasync(this.fd!, () => {
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
    if (this.fd === undefined) return;
    try {
      if (!this.failure) fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
    }
  }
}

/** The last `count` bytes of a file (all of it when shorter), as latin1 text. */
function lastBytes(fd: number, count: number): string {
  const size = fstatSync(fd).size;
  const buffer = Buffer.alloc(Math.min(size, count));
  const read = readSync(fd, buffer, 0, buffer.length, size - buffer.length);
  return buffer.toString("latin1", 0, read);
}

/**
 * The longest line a log may hold; log lines are about 50 bytes. A longer one is damage (or
 * another program's file), and reading stops there rather than hold it in memory.
 */
export const logLineBytesMax = 4096;
/** How much of a log is read at once. */
const readChunkBytes = 64 * 1024;

/**
 * Calls `line` with each complete line of the file's first `bytesEnd` bytes (numbered from 1,
 * without the newline), then `end` with the unterminated rest: the memory held is one chunk and
 * one line, whatever the file's size. A line over `logLineBytesMax` is a LogFormatError naming
 * `source:line` (on line 1: not a log).
 */
export function eachLogLine(fd: number, bytesEnd: number, source: string, line: (text: string, lineNumber: number) => void, end?: (rest: string, lineNumber: number) => void): void {
  eachLogLineBytes(fd, bytesEnd, source, (bytes, start, stop, lineNumber) => line(bytes.toString("latin1", start, stop), lineNumber), end);
}

/**
 * As `eachLogLine`, but each line is handed over where it lies in the chunk read (`bytes`
 * from `start` to `end`, valid only during the call), not as a string: reading the log of a
 * 10⁶-rule run made 2·10⁶ strings, and split each into six more.
 */
export function eachLogLineBytes(fd: number, bytesEnd: number, source: string, line: (bytes: Buffer, start: number, end: number, lineNumber: number) => void, end?: (rest: string, lineNumber: number) => void): void {
  // a line cut by the end of a chunk (at most logLineBytesMax bytes) moves to the buffer's start
  const buffer = Buffer.alloc(readChunkBytes + logLineBytesMax);
  let carry = 0;
  let lineNumber = 1;
  for (let position = 0; position < bytesEnd; ) {
    const read = readSync(fd, buffer, carry, Math.min(readChunkBytes, bytesEnd - position), position);
    if (read === 0) break; // shorter than it was
    position += read;
    const filled = buffer.subarray(0, carry + read);
    let start = 0;
    for (let newline = filled.indexOf(10, carry); newline >= 0; newline = filled.indexOf(10, start)) {
      if (newline - start > logLineBytesMax) throw tooLong(filled.toString("latin1", start, newline), lineNumber, source);
      line(filled, start, newline, lineNumber++);
      start = newline + 1;
    }
    carry = filled.length - start;
    if (carry > logLineBytesMax) throw tooLong(filled.toString("latin1", start), lineNumber, source);
    filled.copyWithin(0, start);
  }
  end?.(buffer.toString("latin1", 0, carry), lineNumber);
}

function tooLong(text: string, lineNumber: number, source: string): LogFormatError {
  if (lineNumber === 1) return notALog(text, source);
  return new LogFormatError(`${source}:${lineNumber}: a line of more than ${logLineBytesMax} bytes, not a log line: the log is damaged; delete that line, or move the log away to start afresh`);
}

/** A log as read from its file. */
export interface LogRead {
  readonly summary: LogSummary;
  /** The lines a compaction would keep. */
  readonly live: LiveLines;
  /** The file's size when read (0: none). */
  readonly bytes: number;
}

/**
 * Reads and replays a log file (an empty log when there is none). A log that exists but cannot
 * be read (a directory under its name, no permission) is an error: read as empty, the run
 * would redo every rule, and `--clean` would remove nothing and then fail on the log.
 */
export function readLogFile(path: string, rules: readonly Rule[]): LogRead {
  const reader = new LogReader(rules, path);
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { summary: reader.summary(), live: reader.live, bytes: 0 };
    throw unreadable(path, error);
  }
  try {
    const bytes = fstatSync(fd).size;
    try {
      eachLogLineBytes(fd, bytes, path, (chunk, start, end, lineNumber) => reader.lineBytes(chunk, start, end, lineNumber), (rest, lineNumber) => reader.end(rest, lineNumber));
    } catch (error) {
      if (error instanceof LogFormatError) throw error;
      throw unreadable(path, error);
    }
    return { summary: reader.summary(), live: reader.live, bytes };
  } finally {
    closeSync(fd);
  }
}

function unreadable(path: string, error: unknown): LogFormatError {
  const code = (error as NodeJS.ErrnoException).code;
  const what = code === "EISDIR" ? "it is a directory, not a skein flow log" : `cannot read it (${code ?? (error as Error).message})`;
  return new LogFormatError(`${path}: ${what}; move it away to start afresh`);
}
