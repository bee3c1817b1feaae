// skein-io-adapter: checks the workflow file and the --dot file, and writes the --dot file.
/** Files a run is given besides its workflow's: checked before any work, written at the end. */
import { closeSync, openSync, realpathSync, rmSync, type Stats, statfsSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import type { Output, RunInit } from "./run-options.ts";

/**
 * A run's workflow file and directory, absolute, the directories by their real paths: a
 * workflow reached through a symbolic link (`link/w.mf`, `link` → `real/sub`) runs its commands
 * in `real/sub`, where the kernel takes a `..` (`cat ../in` reads `real/in`), so its names are
 * resolved there too, and its log is the same however it is reached. Messages name files as the
 * user wrote them (`RunInit.shownFile`), not by these paths.
 */
export function workflowPlace(init: RunInit): { file: string; directory: string } {
  const given = absolute(init.file);
  const fileDirectory = realDirectory(dirname(given));
  return { file: join(fileDirectory, basename(given)), directory: init.directory === undefined ? fileDirectory : realDirectory(absolute(init.directory)) };
}

/** `path` from the current directory, its `..` left to the kernel (`resolve` takes `a/..` away before `a` is followed). */
function absolute(path: string): string {
  return isAbsolute(path) ? path : `${process.cwd()}/${path}`;
}

/** A directory's real path; as given when it cannot be had (gone: said later, where it is used). */
function realDirectory(path: string): string {
  try {
    return realpathSync.native(path); // the kernel's: the JavaScript one takes `a/..` away before it follows `a`
  } catch {
    return path;
  }
}

/** What a file that is neither a regular file nor a directory is, to name it. */
export function specialFile(stat: Stats): string | undefined {
  if (stat.isFIFO()) return "a pipe";
  if (stat.isCharacterDevice()) return "a character device";
  if (stat.isBlockDevice()) return "a block device";
  if (stat.isSocket()) return "a socket";
  return undefined;
}

/**
 * File systems that are the kernel's view, not storage (statfs's f_type): root may open their
 * files for writing, and the write fails (EIO, EINVAL) — at the end, after all the work.
 */
const kernelFileSystems: ReadonlyMap<number, string> = new Map([
  [0x9fa0, "proc"],
  [0x62656572, "sysfs"],
  [0x64626720, "debugfs"],
  [0x73636673, "securityfs"],
  [0x27e0eb, "cgroup"],
  [0x63677270, "cgroup2"],
  [0x74726163, "tracefs"],
]);

/** The kernel file system `path` is on (`proc`), or undefined (storage, or it cannot tell). */
function kernelFileSystem(path: string): string | undefined {
  try {
    return kernelFileSystems.get(statfsSync(path).type);
  } catch {
    return undefined;
  }
}

/**
 * --dot is written at the end: a file that cannot be written there fails now, before any work,
 * as far as a cheap check can tell (its directory, a directory in its place, a file that cannot
 * be opened for writing, a kernel file such as /proc/version). What it cannot tell (a full disk,
 * a directory removed during the run) is said at the end (`writeDot`).
 */
export function checkDotFile(dotFile: string): void {
  const path = resolve(dotFile);
  const directory = dirname(path);
  const parent = statSync(directory, { throwIfNoEntry: false });
  if (!parent?.isDirectory()) throw new Error(`--dot ${dotFile}: ${parent ? `${directory} is not a directory` : `no directory ${directory}`}`);
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat?.isDirectory()) throw new Error(`--dot ${dotFile}: is a directory`);
  // opened for appending, as a probe (access(2) says yes to root on a file system that refuses it)
  try {
    closeSync(openSync(path, "a"));
  } catch (error) {
    throw new Error(`--dot ${dotFile}: cannot write ${stat ? "it" : `in ${directory}`} (${(error as NodeJS.ErrnoException).code})`);
  }
  if (!stat) return rmSync(path, { force: true });
  // root opens a kernel file (/proc/version) for writing; the write fails
  const kernel = stat.isFile() ? kernelFileSystem(path) : undefined;
  if (kernel !== undefined) throw new Error(`--dot ${dotFile}: is a file of the kernel's ${kernel} file system, where a DOT cannot be written; name a file on a disk`);
}

/** What a --dot file must not be: the run's own files (see `checkDotPlace`). */
export interface RunFiles {
  /** The workflow file and its log, absolute, as `workflowPlace` and `workflowLogPath` give them. */
  readonly workflowFile: string;
  readonly logPath: string;
  /** The workflow's directory (real path): the DAG's names are relative to it. */
  readonly directory: string;
  readonly rules: ReadonlyArray<{ readonly targets: ReadonlyArray<{ readonly path: string }>; readonly sources: ReadonlyArray<{ readonly path: string }> }>;
}

/**
 * Refuses a --dot file that is one of the run's own files, before any work: the workflow file,
 * its log (or the log's lock and compaction files), a target or a source, which the DOT written
 * at the end would replace (`--dot w.mf` lost the workflow; `--dot a`, a target, was kept as done
 * holding a graph). Compared by real directory and name, so `./w.mf` and a linked directory's
 * spelling are the same file.
 */
export function checkDotPlace(dotFile: string, files: RunFiles): void {
  const dot = join(realDirectory(dirname(resolve(dotFile))), basename(resolve(dotFile)));
  const same = (path: string) => join(realDirectory(dirname(path)), basename(path)) === dot;
  const refuse = (what: string) => {
    throw new Error(`--dot ${dotFile}: is ${what}, which the DOT would replace; name another file`);
  };
  if (same(files.workflowFile)) refuse("the workflow file");
  for (const suffix of ["", ".lock", ".compacting"]) if (same(`${files.logPath}${suffix}`)) refuse(suffix === "" ? "the workflow's log" : `the workflow's log's ${suffix.slice(1)} file`);
  // the DAG's names are relative to the workflow's directory: compared in it, without a real path each
  const inDirectory = dirname(dot) === files.directory ? basename(dot) : dot.startsWith(`${files.directory}/`) ? dot.slice(files.directory.length + 1) : undefined;
  const names = (path: string) => path === inDirectory || (path.startsWith("/") ? path === dot : path.startsWith("../") && resolve(files.directory, path) === dot);
  for (const rule of files.rules) {
    for (const target of rule.targets) if (names(target.path)) refuse(`a target of the workflow (${target.path})`);
    for (const source of rule.sources) if (names(source.path)) refuse(`a source of the workflow (${source.path})`);
  }
}

/**
 * Writes the --dot file; a failure is reported (the run itself is not undone: what ran is
 * logged, and a rerun writes the DOT without running it again) and makes the exit code 1.
 */
export function writeDot(file: string, text: string, output: Output): boolean {
  try {
    writeFileSync(file, text);
    return true;
  } catch (error) {
    output.err(`skein flow: --dot ${file}: cannot write it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); only the DOT is missing, the run is not undone (what ran is logged; a rerun writes the DOT without running it again)\n`);
    return false;
  }
}
