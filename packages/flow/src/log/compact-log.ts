// skein-io-adapter: rewrites the transaction log without the lines that no longer matter.
/**
 * A log only grows: every rerun of a rule (a retry, an edit, a target deleted by hand) appends
 * lines, and a workflow run for months would carry them all. At the start of a run, when the
 * file has grown past `compactionRatio` times the lines that still matter (live-lines.ts) and
 * past `compactionBytesMin`, it is rewritten: the live lines go to `<log>.compacting`, which is
 * fsynced, then renamed over the log, then the directory is fsynced. A kill at any point leaves
 * the old log whole (and at worst a stale `.compacting` file, overwritten by the next
 * compaction, removed by `--clean`) or the new one whole; never a mix. The new log reads the
 * same for every version of the workflow as the old one did.
 *
 * Rewriting in place (truncate, then write) was rejected: a kill in between loses the log.
 */
import { closeSync, fstatSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { eachLogLine, type LogRead } from "./log-file.ts";
import { logHeader } from "./transaction-log.ts";

/** A log is compacted when its file is more than this many times the size of its live lines... */
export const compactionRatio = 4;
/** ...and at least this large (a small log costs nothing to keep). */
export const compactionBytesMin = 1024 * 1024;
/** Kept lines are written in pieces of about this size. */
const writeChunkBytes = 64 * 1024;

/** Steps of a compaction, for tests that fail one between them. */
export type CompactionStep = "written" | "synced" | "renamed";

export interface CompactionInit {
  readonly ratio?: number;
  readonly bytesMin?: number;
  /** Called after each step (tests throw from it, as a kill there would stop it). */
  readonly step?: (step: CompactionStep) => void;
}

/** The name of the file a compaction writes before renaming it over the log. */
export function compactingPath(logPath: string): string {
  return `${logPath}.compacting`;
}

/** Whether a log as read is worth compacting. */
export function logNeedsCompaction(read: LogRead, init: CompactionInit = {}): boolean {
  const live = logHeader.length + 1 + read.live.bytes;
  return read.bytes >= (init.bytesMin ?? compactionBytesMin) && read.bytes > (init.ratio ?? compactionRatio) * live;
}

/**
 * Rewrites the log at `path`, as `read` read it, with only its live lines; returns the new size.
 * Throws (leaving the old log as it was, and no `.compacting` file) when the log changed since
 * it was read or a step fails (a full disk).
 */
export function compactLog(path: string, read: LogRead, init: CompactionInit = {}): number {
  const temporary = compactingPath(path);
  const source = openSync(path, "r");
  let target: number | undefined;
  let renamed = false;
  try {
    const stat = fstatSync(source);
    const unchanged = () => {
      if (fstatSync(source).size !== read.bytes) throw new Error("it changed since it was read (does another run append to it?)");
    };
    unchanged();
    target = openSync(temporary, "w", stat.mode & 0o777);
    let pending = `${logHeader}\n`;
    let written = 0;
    const flush = () => {
      writeAll(target!, pending);
      written += pending.length;
      pending = "";
    };
    const kept = read.live.keptLines();
    let next = 0;
    eachLogLine(source, read.bytes, path, (line, lineNumber) => {
      if (lineNumber !== kept[next]) return;
      next++;
      pending += `${line}\n`;
      if (pending.length >= writeChunkBytes) flush();
    });
    flush();
    init.step?.("written");
    fsyncSync(target);
    closeSync(target);
    target = undefined;
    init.step?.("synced");
    unchanged();
    renameSync(temporary, path);
    renamed = true;
    init.step?.("renamed");
    syncDirectory(dirname(path));
    return written;
  } catch (error) {
    if (!renamed) rmSync(temporary, { force: true });
    throw error;
  } finally {
    if (target !== undefined) closeSync(target);
    closeSync(source);
  }
}

/** writeSync may write less than asked (a signal, a nearly full disk): writes the rest. */
function writeAll(fd: number, text: string): void {
  const buffer = Buffer.from(text, "latin1");
  for (let offset = 0; offset < buffer.length; ) offset += writeSync(fd, buffer, offset, buffer.length - offset);
}

/** Makes a rename in `directory` durable. */
function syncDirectory(directory: string): void {
  const fd = openSync(directory, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
