/**
 * What `--clean` says: with --dry-run, what it would remove on standard output (one path a
 * line, or one JSON object a file with --json); then, on standard error, each file the log
 * names as the workflow's that it keeps, and the count. The count is of the paths the plain
 * list shows — a directory emptied around files the workflow names counts the entries that go,
 * as its dry run lists them — so `--clean` and `--clean --dry-run` (with --json too) say the
 * same number, and --json names no path inside one removed whole, as the plain list does not.
 */
import { type Cleaned, listedRemovals, removalList } from "./clean.ts";

export interface CleanReport {
  /** Lines for standard output, each with its newline. */
  readonly out: string[];
  /** Lines for standard error, each with its newline. */
  readonly err: string[];
}

/** `directory`: the top workflow's, the paths' base. */
export function cleanReport({ files, logs, kept }: Cleaned, directory: string, options: { readonly dryRun?: boolean; readonly json?: boolean }): CleanReport {
  const out: string[] = [];
  const err: string[] = [];
  // counted as the plain list shows them, with --json too; --json lists each target (a directory
  // emptied around named files: one object, with `except`), none inside one removed whole
  const removed = removalList(files, directory);
  const counted = `${removed.length} ${removed.length === 1 ? "file" : "files"} and ${logs.length} ${logs.length === 1 ? "log" : "logs"}`;
  if (options.dryRun && options.json) {
    for (const { path, kept: except } of listedRemovals(files, directory)) out.push(`${JSON.stringify({ path, kind: "file", state: "would-remove", except })}\n`);
    for (const path of logs) out.push(`${JSON.stringify({ path, kind: "log", state: "would-remove" })}\n`);
    for (const { path, why } of kept) out.push(`${JSON.stringify({ path, kind: "file", state: "would-keep", reason: why })}\n`);
  } else if (options.dryRun) {
    for (const path of [...removed, ...logs]) out.push(`${path}\n`);
  }
  for (const { path, why } of kept) err.push(`skein flow: --clean: ${options.dryRun ? "would keep" : "kept"} ${path}, which the log says this workflow made: ${why}\n`);
  err.push(options.dryRun ? `skein flow: --clean --dry-run: would remove ${counted}; nothing was removed\n` : `skein flow: removed ${counted}\n`);
  return { out, err };
}
