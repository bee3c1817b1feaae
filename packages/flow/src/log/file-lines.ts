/**
 * The log's file lines: which files, by name, the workflow made. A rule line names its targets
 * only through a hash of their ordered list, so a rule given one more target, split in two, or
 * with more than a few targets reordered made files the log could no longer name, and its
 * earlier outputs looked like the user's. A file line names one target, as upstream Makeflow's
 * `# FILE` lines do:
 *
 *     # FILE <time ms> <name> running
 *     # FILE <time ms> <name> done <size> <mtime µs>
 *     # FILE <time ms> <name> failed <size> <mtime µs>
 *
 * and each run's lines follow a `# RUN <time ms>` line (see `runLine`).
 *
 * `running` is written before the rule's first "running" line of a run (once per rule and run:
 * a 20 000-rule run writes 20 000 short lines more, no more syscalls: they join the batch's
 * one write); `done` after its "done" line, with what the file was then, so `--clean` can tell
 * a target of a rule since removed from the workflow that is still as the workflow left it
 * (removed) from one changed since (kept). The name is the file's DAG name (`path`), spelled
 * with `%XX` for `%`, spaces, controls and non-ASCII bytes (UTF-8). Older readers skip the
 * lines (a `#` line is a comment); a log without them is read by its rule hashes alone.
 * A file line that does not parse (torn by a kill, then ended by the next run's newline) is
 * ignored, as any comment.
 */
import type { Stats } from "node:fs";

/** A file line of `name` made by a rule that starts. */
export function fileRunningLine(timeMs: number, name: string): string {
  return `# FILE ${Math.round(timeMs)} ${encodeName(name)} running\n`;
}

/**
 * The line a run writes first, with the first batch it logs: `# RUN <time ms>`. A `running`
 * file line followed by one was written by an earlier run, and a later run left the file as it
 * found it: it no longer vouches for it (see `madeAsRecorded`).
 */
export function runLine(timeMs: number): string {
  return `# RUN ${Math.round(timeMs)}\n`;
}

export const runLinePattern = /^# RUN \d+$/;

/**
 * A file line of `name` as its rule left it when it failed for good, in a run that started it:
 * partial output, the workflow's while unchanged (a later run leaving it be does not change that).
 */
export function fileFailedLine(timeMs: number, name: string, size: number, mtimeUs: number): string {
  return `# FILE ${Math.round(timeMs)} ${encodeName(name)} failed ${size} ${mtimeUs}\n`;
}

/** A file line of `name` as its rule left it when done (`mtimeUs`: `microseconds(stat.mtimeMs)`). */
export function fileDoneLine(timeMs: number, name: string, size: number, mtimeUs: number): string {
  return `# FILE ${Math.round(timeMs)} ${encodeName(name)} done ${size} ${mtimeUs}\n`;
}

/**
 * A modification time in whole microseconds, as the log records it: an integer (read from its
 * digits exactly, no string per line), and the same for the same time however often worked out.
 */
export function microseconds(mtimeMs: number): number {
  return Math.round(mtimeMs * 1000);
}

/** Names that need no escape: printable ASCII but space and `%`. */
const plain = /^[\x21-\x24\x26-\x7e]+$/;

export function encodeName(name: string): string {
  if (plain.test(name)) return name;
  let encoded = "";
  for (const byte of Buffer.from(name, "utf8")) {
    encoded += byte > 0x20 && byte < 0x7f && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return encoded;
}

/** The name an encoded one spells, or undefined when it is not one `encodeName` writes. */
export function decodeName(encoded: string): string | undefined {
  if (!encoded.includes("%")) return encoded;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
}

/** What a file line says: the name, and for a done line the file's size and modification time. */
export interface FileLine {
  readonly name: string;
  readonly done: boolean;
  /** Left by its rule when it failed (with its size and time then); `done` is false. */
  readonly failed?: boolean;
  readonly size: number;
  readonly mtimeUs: number;
}

const fileLinePattern = /^# FILE \d+ (\S+) (?:(running)|(done|failed) (\d{1,15}) (\d{1,16}))$/;

/** Reads a file line; undefined for any other line (a comment, a torn file line). */
export function parseFileLine(line: string): FileLine | undefined {
  const match = fileLinePattern.exec(line);
  if (match === null) return undefined;
  const name = decodeName(match[1]!);
  if (name === undefined) return undefined;
  if (match[3] === "failed") return { name, done: false, failed: true, size: Number(match[4]), mtimeUs: Number(match[5]) };
  const done = match[2] === undefined;
  return { name, done, size: done ? Number(match[4]) : 0, mtimeUs: done ? Number(match[5]) : 0 };
}

/** What the log last said of one file: made (a running line, the last), or done with its size and time. */
export interface FileRecord {
  readonly done: boolean;
  /** Left by its rule when it failed, with `size` and `mtimeUs` then; `done` is false. */
  readonly failed?: boolean;
  /** Running, and a later run (`# RUN` line) wrote to the log since without making the file again. */
  readonly laterRun?: boolean;
  readonly size: number;
  readonly mtimeUs: number;
}

/**
 * Whether the file `stat` describes is still as the log last recorded it: done, with the same
 * size and modification time, and not a directory (what a directory holds deeper changes
 * without its own time changing).
 */
export function unchangedSince(record: FileRecord, stat: Stats): boolean {
  return record.done && !stat.isDirectory() && stat.size === record.size && microseconds(stat.mtimeMs) === record.mtimeUs;
}

/**
 * Whether a file the log names as the workflow's is still its own to remove before its rule
 * runs: its rule was interrupted making it (the last line says running: partial output) and no
 * run came since, or failed leaving it as it is now, it is a directory (the rule's; what it holds that the workflow names is
 * kept), or it is as the rule left it when done. A file changed since (by hand) is the user's;
 * so is a file an interrupted run was making when a later run then left it be — that run may
 * have read it as a source, the user may have written it meanwhile, and nothing in the log
 * tells their bytes from partial output.
 */
export function madeAsRecorded(record: FileRecord, stat: Stats): boolean {
  if (!record.done && record.failed !== true) return record.laterRun !== true;
  return stat.isDirectory() || (stat.size === record.size && microseconds(stat.mtimeMs) === record.mtimeUs);
}

/** Why a file the log names is kept rather than removed, when `madeAsRecorded` says it is not the workflow's. */
export function whyNotMade(record: FileRecord): string {
  if (record.failed === true) return "changed since a failed run of this workflow left it";
  return record.done ? "changed since the workflow made it" : "an interrupted run was making it, and a later run left it: maybe changed since";
}
