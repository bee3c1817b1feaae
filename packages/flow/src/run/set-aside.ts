// skein-io-adapter: moves a target the workflow did not make out of its rule's way.
/**
 * A target found before its rule ever started (the log has no record of an attempt of it, nor
 * of an earlier version with its targets) is not the workflow's to delete: the user's
 * `results/notes.md`, the old lines of a `log.txt` a command appends to. It is renamed beside
 * itself (`results` → `results.skein-old`) and the run says so, so the command still starts
 * with its targets absent — what it leaves is its own work, and a command that makes nothing
 * still fails naming its targets. Rejected: leaving the file for the command to overwrite (as
 * make and upstream Makeflow do on a first run) — after a failed or interrupted attempt the
 * file mixes the user's bytes with partial output, and the next run, which must remove partial
 * output, could then only delete both.
 */
import { linkSync, lstatSync, mkdirSync, readdirSync, renameSync, rmdirSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";

/** Names tried for one kept target (`x.skein-old`, `x.skein-old.2`, …) before its rule fails instead. */
export const asideNamesMax = 9;

export const asideSuffix = ".skein-old";

/** The suffix of the `index`th aside name tried (from 1): `.skein-old`, `.skein-old.2`, … */
export function asideSuffixAt(index: number): string {
  return index === 1 ? asideSuffix : `${asideSuffix}.${index}`;
}

/** A target moved aside (`path` → `aside`, both as shown), or why it could not be. */
export type SetAside = { readonly aside: string } | { readonly reason: string };

/**
 * A test's hook, called with each aside name just before the move there is tried: it may take
 * the name, as another process could at that moment.
 */
export type BeforeMove = (aside: string) => void;

/**
 * Moves `from` to `to` unless `to` exists, with no moment between the check and the move in
 * which a file made at `to` would be replaced: a file gets a second name by link(2), which fails
 * on an existing name, then loses the first; a directory is renamed onto an empty directory
 * made for it by mkdir(2), which fails likewise (and the rename fails if anything got into it).
 * False when `to` is taken. On a file system without hard links (EPERM, ENOTSUP), a file is
 * checked then renamed: the race remains there.
 */
export function moveWithoutReplacing(from: string, to: string, isDirectory: boolean): boolean {
  if (isDirectory) {
    try {
      mkdirSync(to);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw error;
    }
    try {
      renameSync(from, to);
      return true;
    } catch (error) {
      rmdirQuietly(to);
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOTEMPTY" || code === "EEXIST") return false;
      throw error;
    }
  }
  try {
    linkSync(from, to);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "ENOSYS" && code !== "EMLINK") throw error;
    if (lstatSync(to, { throwIfNoEntry: false }) !== undefined) return false;
    renameSync(from, to);
    return true;
  }
  unlinkSync(from);
  return true;
}

function rmdirQuietly(path: string): void {
  try {
    rmdirSync(path);
  } catch {
    // something got into it: it is left, as made
  }
}

/**
 * Renames `path` (absolute; `shown` is how the workflow wrote it) to the first free
 * `<path>.skein-old[.N]`. Never replaces anything: a name taken by anything, even while it
 * moves, is skipped.
 */
export function setAside(path: string, shown: string, beforeMove?: BeforeMove): SetAside {
  const bare = shown.replace(/\/+$/, "");
  const isDirectory = lstatSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false; // gone meanwhile: the move says so
  for (let index = 1; index <= asideNamesMax; index++) {
    const suffix = asideSuffixAt(index);
    const aside = `${path.replace(/\/+$/, "")}${suffix}`;
    beforeMove?.(aside);
    try {
      if (moveWithoutReplacing(path, aside, isDirectory)) return { aside: `${bare}${suffix}` };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      return { reason: `cannot move ${shown} (not made by this workflow) aside as ${bare}${suffix} (${code}): the command was not started, so it cannot overwrite it; move it away yourself` };
    }
  }
  return { reason: `cannot move ${shown} (not made by this workflow) aside: ${bare}${asideSuffix} … ${bare}${asideSuffix}.${asideNamesMax} all exist; the command was not started, so it cannot overwrite it; move them away yourself` };
}

/**
 * Moves `entries` (absolute, strictly inside the directory `path`; `shown` is how the workflow
 * wrote it) to the same places under the first free `<path>.skein-old[.N]` (made by mkdir(2),
 * so one taken meanwhile is skipped), leaving `path` and the rest of it. Never replaces
 * anything; an entry that cannot move stops the moves there.
 */
export function setAsideInside(path: string, shown: string, entries: readonly string[], beforeMove?: BeforeMove): SetAside {
  const bare = shown.replace(/\/+$/, "");
  const base = path.replace(/\/+$/, "");
  for (let index = 1; index <= asideNamesMax; index++) {
    const suffix = asideSuffixAt(index);
    beforeMove?.(`${base}${suffix}`);
    try {
      mkdirSync(`${base}${suffix}`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") continue;
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      return { reason: `cannot make ${bare}${suffix} to keep what ${bare} holds that this workflow does not name (${code}): the command was not started, so it cannot overwrite them; move them out of ${bare} yourself` };
    }
    for (const entry of entries) {
      const aside = `${base}${suffix}${entry.slice(base.length)}`;
      const written = `${bare}${entry.slice(base.length)}`;
      try {
        mkdirSync(dirname(aside), { recursive: true });
        if (moveWithoutReplacing(entry, aside, lstatSync(entry).isDirectory())) continue;
        return { reason: `cannot move ${written} (not made by this workflow, inside directory target ${bare}) aside as ${bare}${suffix}${entry.slice(base.length)}: something else took that name meanwhile; the command was not started; move it out of ${bare} yourself` };
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        return { reason: `cannot move ${written} (not made by this workflow, inside directory target ${bare}) aside as ${bare}${suffix}${entry.slice(base.length)} (${code}): the command was not started, so it cannot overwrite it; move it out of ${bare} yourself` };
      }
    }
    return { aside: `${bare}${suffix}` };
  }
  return { reason: `cannot move what ${bare} holds that this workflow does not name aside: ${bare}${asideSuffix} … ${bare}${asideSuffix}.${asideNamesMax} all exist; the command was not started, so it cannot overwrite it; move them away yourself` };
}

/**
 * The entries inside the directory `path` (absolute paths, sorted by name in each directory) that are
 * neither a file in `named` (absolute, strictly inside `path`, sorted) nor a directory leading to
 * one: what the user keeps there beside the files the workflow names. A named directory's
 * contents are its rule's, not looked into.
 */
/** A workflow's transaction log or its lock, by name (`w.mf.skeinlog`, `w.mf.1a2b3c4d.skeinlog.lock`). */
const skeinLog = /\.skeinlog(?:\.lock)?$/;

export function unnamedEntries(path: string, named: readonly string[]): string[] {
  const unnamed: string[] = [];
  const names = new Set(named);
  const leading = new Set<string>();
  for (const file of named) for (let at = file.indexOf("/", path.length + 1); at > 0; at = file.indexOf("/", at + 1)) leading.add(file.slice(0, at));
  const visit = (directory: string): void => {
    for (const entry of readdirSync(directory, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const inside = `${directory}/${entry.name}`;
      if (names.has(inside)) continue;
      // a nested workflow's log (`leaf.mf.skeinlog`, and its lock) is skein's own record of what
      // that workflow made there, not a user's file: set aside, the nested run would redo its work
      if (skeinLog.test(entry.name) && entry.isFile()) continue;
      if (leading.has(inside) && entry.isDirectory()) visit(inside);
      else unnamed.push(inside);
    }
  };
  visit(path.replace(/\/+$/, ""));
  return unnamed;
}
