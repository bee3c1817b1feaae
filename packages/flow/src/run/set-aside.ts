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
import { lstatSync, renameSync } from "node:fs";

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
