// skein-io-adapter: removes files the workflow created.
/**
 * `--clean`: removes the targets of every rule the transaction log shows as started (those are
 * the files this workflow created, including by an earlier version of a rule that made the same
 * targets), then the log itself. Sources and files the workflow never
 * touched stay. Nested workflows (`MAKEFLOW file [dir]`) are cleaned first, from their own
 * logs: their files are theirs to name, and a nested workflow's file may be a target here.
 */
import { lstatSync, readdirSync, rmSync, unlinkSync } from "node:fs";
import { dirname, isAbsolute, relative } from "node:path";
import { writtenPath } from "../language/canonical-path.ts";
import { compactingPath } from "../log/compact-log.ts";
import { madeAsRecorded, whyNotMade } from "../log/file-lines.ts";
import type { LogSummary } from "../log/transaction-log.ts";
import { absolutePath } from "../paths.ts";
import type { FileReference, NestedWorkflow, Workflow } from "../workflow.ts";
import { cleanOtherFiles, type KeptFile } from "./clean-others.ts";
import { nestingDepthMax } from "./run-options.ts";


/** A workflow as `--clean` needs it: its rules, what its log says, where it ran. */
export interface Cleanable {
  readonly workflow: Workflow;
  readonly summary: LogSummary;
  readonly directory: string;
  readonly logPath: string;
}

/** Reads a nested workflow of `parent`; undefined when its file is gone (nothing to read). */
export type NestedLoader = (parent: Cleanable, nested: NestedWorkflow) => Cleanable | undefined;

/** A target that exists and cannot be removed (a read-only directory, an immutable file, a mount). */
export class TargetRemovalError extends Error {
  override name = "TargetRemovalError";

  /** `target`: as the workflow wrote it; `code`: why (`EPERM`). */
  constructor(
    message: string,
    readonly target?: { readonly written: string; readonly code: string },
  ) {
    super(message);
  }
}

/** The message of a TargetRemovalError for `written`. */
const cannotRemove = (written: string, code: string) => `cannot remove ${written} (${code})`;

/**
 * A target removed (or, with --dry-run, that would be), as the workflow wrote it; `kept`: for a
 * directory, the files inside it that stay because the workflow names them (see InsideTargets).
 */
export interface Removal {
  readonly path: string;
  readonly kept?: readonly string[];
  /** With `kept`: what goes of the directory, each entry removed whole (`res/junk`, `res/tmp`). */
  readonly entries?: readonly string[];
}

/**
 * Removes the rule's targets that exist (with `only`, those whose index it accepts); returns
 * them, as the workflow wrote them. Throws TargetRemovalError naming the first target that
 * cannot be removed.
 */
export function removeTargets(workflow: Workflow, rule: number, directory: string, dryRun = false, inside?: InsideTargets, only?: (index: number) => boolean): Removal[] {
  const removed: Removal[] = [];
  for (const [index, target] of workflow.rules[rule]!.targets.entries()) {
    if (only !== undefined && !only(index)) continue;
    const removal = removeTarget(target, directory, dryRun, inside);
    if (removal !== undefined) removed.push(removal);
  }
  return removed;
}

/**
 * Removes one target if it exists (a directory: around the files `inside` names in it); returns
 * it as the workflow wrote it, or undefined when it does not exist. Throws TargetRemovalError
 * when it cannot be removed.
 */
export function removeTarget(target: FileReference, directory: string, dryRun = false, inside?: InsideTargets): Removal | undefined {
  const path = absolutePath(directory, target.path);
  // Most targets do not exist yet: ask without an exception (rmSync's force swallows an
  // ENOENT error whose creation costs far more than the lstat itself).
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (!stat) return undefined;
  const kept = stat.isDirectory() ? (inside?.(path) ?? []) : [];
  // what stays is what exists of the named files inside (the rest is not there to keep)
  const present = kept.filter((keep) => lstatSync(keep, { throwIfNoEntry: false }) !== undefined);
  const entries: string[] = [];
  try {
    // unlink for a file: rmSync reports a file it may not unlink as ENOTDIR (it tries rmdir next)
    if (kept.length > 0) removeExcept(path, kept, dryRun, entries);
    else if (dryRun) {
      // nothing removed
    } else if (stat.isDirectory()) rmSync(path, { recursive: true, force: true });
    else unlinkSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT") {
      const why = code ?? (error as Error).message;
      throw new TargetRemovalError(cannotRemove(writtenPath(target), why), { written: writtenPath(target), code: why });
    }
  }
  const written = writtenPath(target);
  const shown = (inside: string) => `${written.replace(/\/+$/, "")}${inside.slice(path.length)}`;
  return kept.length === 0 ? { path: written } : { path: written, kept: present.length === 0 ? undefined : present.map(shown), entries: entries.map(shown) };
}

/**
 * `--clean --dry-run`'s plain list: one path a line, each removed whole (`rm -r` of each line
 * removes what `--clean` would), nothing twice: a directory emptied around the files the
 * workflow names inside it is listed as the entries that go, and a path inside one listed is
 * not listed again. Relative paths are from the top workflow's directory.
 */
export function removalList(files: readonly Removal[], directory: string): string[] {
  const paths = files.flatMap(({ path, entries }) => entries ?? [path]);
  const listed = outermost(paths, directory);
  return paths.filter((path) => listed(path));
}

/**
 * The removals `--clean --dry-run --json` lists: each but those inside a path removed whole (as
 * `removalList` leaves them out), so its objects name the paths the plain list and the count do.
 */
export function listedRemovals(files: readonly Removal[], directory: string): Removal[] {
  const listed = outermost(files.flatMap(({ path, entries }) => entries ?? [path]), directory);
  return files.filter(({ path }) => listed(path));
}

/** A test of paths, true once for each of `paths` not inside another of them removed whole. */
function outermost(paths: readonly string[], directory: string): (path: string) => boolean {
  // a `..` after a name is kept (`a/../out` is not `out` when `a` is a link): compared as written
  const whole = new Set(paths.map((path) => absolutePath(directory, path)));
  const listed = new Set<string>();
  return (path) => {
    const absolute = absolutePath(directory, path);
    if (listed.has(absolute)) return false;
    listed.add(absolute);
    // only a directory before the last `..` holds the path for certain
    const up = absolute.lastIndexOf("/..");
    for (let parent = dirname(absolute); parent !== dirname(parent) && parent.length > up; parent = dirname(parent)) if (whole.has(parent)) return false;
    return true;
  };
}

/** `relative(directory, path)` for absolute paths, a `..` after a name in `path` kept (see removalList). */
function relativeAsWritten(directory: string, path: string): string {
  if (path === directory) return ".";
  if (path.startsWith(directory === "/" ? "/" : `${directory}/`)) return path.slice(directory === "/" ? 1 : directory.length + 1);
  return relative(directory, path);
}

/**
 * Files the workflow names (any rule's sources and targets) strictly inside a directory target,
 * as absolute paths. Removing the directory (before its rule runs again, or by --clean) empties
 * it around them: a rule making `d` must not take `d/x`, which another rule made and the log
 * shows done, nor `d/config`, a source the user put there.
 */
export type InsideTargets = (path: string) => readonly string[];

/**
 * `InsideTargets` for a workflow: every file it names, as absolute paths, sorted on the first
 * call (a directory target found present is rare), then found by a binary search.
 */
export function namedFilesInside(workflow: Workflow, directory: string): InsideTargets {
  let sorted: string[] | undefined;
  return (path) => {
    if (sorted === undefined) {
      const named = new Set<string>();
      for (const rule of workflow.rules) for (const file of [...rule.sources, ...rule.targets]) named.add(absolutePath(directory, file.path));
      sorted = [...named].sort();
    }
    const prefix = `${path}/`;
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (sorted[middle]! < prefix) low = middle + 1;
      else high = middle;
    }
    const inside: string[] = [];
    for (let i = low; i < sorted.length && sorted[i]!.startsWith(prefix); i++) inside.push(sorted[i]!);
    return inside;
  };
}

/**
 * Removes what `path` (a directory) holds, except the paths in `kept` (all strictly inside it)
 * and the directories leading to them; adds each entry removed whole to `removed` (with
 * `dryRun`, each it would remove). Linear in the entries and kept paths.
 */
function removeExcept(path: string, kept: readonly string[], dryRun: boolean, removed: string[]): void {
  // each entry of `path` that is kept (null) or holds kept paths (their list)
  const byEntry = new Map<string, string[] | null>();
  for (const keep of kept) {
    const slash = keep.indexOf("/", path.length + 1);
    const name = keep.slice(path.length + 1, slash < 0 ? undefined : slash);
    const known = byEntry.get(name);
    if (slash < 0) byEntry.set(name, null);
    else if (known === undefined) byEntry.set(name, [keep]);
    else if (known !== null) known.push(keep);
  }
  for (const name of readdirSync(path)) {
    const below = byEntry.get(name);
    if (below === null) continue;
    const entry = `${path}/${name}`;
    if (below !== undefined && lstatSync(entry).isDirectory()) removeExcept(entry, below, dryRun, removed);
    else {
      if (!dryRun) rmSync(entry, { recursive: true, force: true });
      removed.push(entry);
    }
  }
}

/**
 * `--clean` removes only what the log shows this workflow made: with no log (deleted, or never
 * written) nothing is known to be made by it. The targets of its rules that exist then, each
 * once, as absolute paths: said to the user, never removed (a file by hand may share a name).
 */
export function targetsWithoutLog(top: Cleanable): string[] | undefined {
  if ([top.logPath, compactingPath(top.logPath)].some((path) => lstatSync(path, { throwIfNoEntry: false }) !== undefined)) return undefined;
  const present = new Set<string>();
  for (const rule of top.workflow.rules) {
    for (const target of rule.targets) {
      const path = absolutePath(top.directory, target.path);
      if (!present.has(path) && lstatSync(path, { throwIfNoEntry: false }) !== undefined) present.add(path);
    }
  }
  return [...present];
}

/** What `--clean` removed (or, with --dry-run, would remove), relative to the top workflow's directory. */
export interface Cleaned {
  readonly files: Removal[];
  readonly logs: string[];
  /** Files the log says the workflow made that --clean left, and why (clean-others.ts). */
  readonly kept: KeptFile[];
}

/**
 * Cleans the nested workflows of every started nested rule (each log once, depth first), then
 * the workflow itself: the targets that exist of every started rule and every target the log
 * names as made, the unchanged files of rules since removed (clean-others.ts), then its log. With
 * `dryRun` nothing is removed; the result names what would be.
 */
export function cleanTree(top: Cleanable, load: NestedLoader, dryRun = false, seen = new Set<string>([top.logPath]), depth = 0): Cleaned {
  const files: Removal[] = [];
  const logs: string[] = [];
  const keptFiles: KeptFile[] = [];
  // a path written absolute stays so; a relative one is shown from the top workflow's directory
  const fromChild = (child: Cleanable, path: string) => (isAbsolute(path) ? path : relativeAsWritten(top.directory, absolutePath(child.directory, path)));
  const removalFromChild = (child: Cleanable, { path, kept, entries }: Removal): Removal => ({ path: fromChild(child, path), kept: kept?.map((keep) => fromChild(child, keep)), entries: entries?.map((entry) => fromChild(child, entry)) });
  for (const rule of [...top.summary.started].sort((a, b) => a - b)) {
    const nested = top.workflow.rules[rule]!.nested;
    if (!nested || depth >= nestingDepthMax) continue;
    const child = load(top, nested);
    if (!child || seen.has(child.logPath)) continue;
    seen.add(child.logPath);
    let cleaned: Cleaned;
    try {
      cleaned = cleanTree(child, load, dryRun, seen, depth + 1);
    } catch (error) {
      // a nested workflow's target, named as the top workflow's are (not from the nested directory)
      if (!(error instanceof TargetRemovalError) || error.target === undefined) throw error;
      const written = fromChild(child, error.target.written);
      throw new TargetRemovalError(cannotRemove(written, error.target.code), { written, code: error.target.code });
    }
    for (const removal of cleaned.files) files.push(removalFromChild(child, removal));
    for (const path of cleaned.logs) logs.push(fromChild(child, path));
    for (const { path, why } of cleaned.kept) keptFiles.push({ path: fromChild(child, path), why });
  }
  // a file inside a directory target that --clean removes anyway (another started rule's
  // target) is not kept: the directory goes whole when nothing else inside it is named
  const named = namedFilesInside(top.workflow, top.directory);
  // a started rule's targets, and any other target the log names as made (by an earlier version
  // of the workflow: a rule since given more targets, or split from another) unless changed since
  const removedTargets = new Set<string>();
  const namedMade = new Set<string>(); // `rule index` of the second kind
  const keptMade = new Set<string>(); // `rule index` of a started rule's target that stays
  for (const [rule, { targets }] of top.workflow.rules.entries()) {
    const started = top.summary.started.has(rule);
    for (const [index, target] of targets.entries()) {
      const path = absolutePath(top.directory, target.path);
      const record = top.summary.files.target(rule, index);
      // of a started rule, only a file an interrupted run was making that a later run left be stays
      if (!started || record?.laterRun === true) {
        const stat = record === undefined ? undefined : lstatSync(path, { throwIfNoEntry: false });
        if (record === undefined || stat === undefined) {
          if (started) keptMade.add(`${rule} ${index}`);
          continue;
        }
        if (!madeAsRecorded(record, stat)) {
          keptFiles.push({ path: writtenPath(target), why: whyNotMade(record) });
          if (started) keptMade.add(`${rule} ${index}`);
          continue;
        }
        namedMade.add(`${rule} ${index}`);
      }
      removedTargets.add(path);
    }
  }
  const made = (rule: number, index: number) => (top.summary.started.has(rule) && !keptMade.has(`${rule} ${index}`)) || namedMade.has(`${rule} ${index}`);
  const inside: InsideTargets = (path) => named(path).filter((file) => !removedTargets.has(file));
  for (const rule of top.workflow.rules.keys()) files.push(...removeTargets(top.workflow, rule, top.directory, dryRun, inside, (index) => made(rule, index)));
  // and the files of rules since removed, when unchanged
  const others = cleanOtherFiles(top, removedTargets, dryRun);
  files.push(...others.removed);
  keptFiles.push(...others.kept);
  // a compaction killed before its rename leaves its file beside the log
  for (const path of [compactingPath(top.logPath), top.logPath]) {
    if (!lstatSync(path, { throwIfNoEntry: false })) continue;
    if (!dryRun) rmSync(path, { force: true });
    logs.push(relative(top.directory, path));
  }
  // a nested rule's target is often a file the nested workflow made, maybe written another way
  const unique = new Map<string, Removal>();
  for (const removal of files) if (!unique.has(absolutePath(top.directory, removal.path))) unique.set(absolutePath(top.directory, removal.path), removal);
  return { files: [...unique.values()], logs, kept: keptFiles };
}
