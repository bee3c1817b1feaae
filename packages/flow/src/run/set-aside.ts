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
import { lstatSync, mkdirSync, readdirSync, renameSync } from "node:fs";
import { dirname } from "node:path";

/** Names tried for one kept target (`x.skein-old`, `x.skein-old.2`, …) before its rule fails instead. */
export const asideNamesMax = 9;

export const asideSuffix = ".skein-old";

/** A target moved aside (`path` → `aside`, both as shown), or why it could not be. */
export type SetAside = { readonly aside: string } | { readonly reason: string };

/**
 * Renames `path` (absolute; `shown` is how the workflow wrote it) to the first free
 * `<path>.skein-old[.N]`. Never replaces anything: a name taken by anything is skipped.
 */
export function setAside(path: string, shown: string): SetAside {
  const bare = shown.replace(/\/+$/, "");
  for (let index = 1; index <= asideNamesMax; index++) {
    const suffix = index === 1 ? asideSuffix : `${asideSuffix}.${index}`;
    const aside = `${path.replace(/\/+$/, "")}${suffix}`;
    if (lstatSync(aside, { throwIfNoEntry: false }) !== undefined) continue;
    try {
      renameSync(path, aside);
      return { aside: `${bare}${suffix}` };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      return { reason: `cannot move ${shown} (not made by this workflow) aside as ${bare}${suffix} (${code}): the command was not started, so it cannot overwrite it; move it away yourself` };
    }
  }
  return { reason: `cannot move ${shown} (not made by this workflow) aside: ${bare}${asideSuffix} … ${bare}${asideSuffix}.${asideNamesMax} all exist; the command was not started, so it cannot overwrite it; move them away yourself` };
}

/**
 * Moves `entries` (absolute, strictly inside the directory `path`; `shown` is how the workflow
 * wrote it) to the same places under the first free `<path>.skein-old[.N]`, leaving `path` and
 * the rest of it. Never replaces anything; an entry that cannot move stops the moves there.
 */
export function setAsideInside(path: string, shown: string, entries: readonly string[]): SetAside {
  const bare = shown.replace(/\/+$/, "");
  const base = path.replace(/\/+$/, "");
  for (let index = 1; index <= asideNamesMax; index++) {
    const suffix = index === 1 ? asideSuffix : `${asideSuffix}.${index}`;
    if (lstatSync(`${base}${suffix}`, { throwIfNoEntry: false }) !== undefined) continue;
    for (const entry of entries) {
      const aside = `${base}${suffix}${entry.slice(base.length)}`;
      try {
        mkdirSync(dirname(aside), { recursive: true });
        renameSync(entry, aside);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        const written = `${bare}${entry.slice(base.length)}`;
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
