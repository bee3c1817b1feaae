// skein-io-adapter: removes the files of rules since deleted from the workflow, when unchanged.
/**
 * `--clean` of what the log names as made by the workflow that no rule of it names as a
 * target now: the outputs of a rule deleted (or renamed to make other files) since it ran. No
 * rule vouches for such a file any more, so only one provably as the workflow left it goes: its
 * rule was done and the file has the size and modification time the log recorded then. Any
 * other is kept, and said: changed since (by hand, or a program's), a directory (what it holds
 * may have changed under an unchanged time), one its rule never finished (partial output, maybe
 * since replaced), or one the workflow now reads as a source (the user's input now).
 */
import { lstatSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import { unchangedSince } from "../log/file-lines.ts";
import { absolutePath } from "../paths.ts";
import { type Cleanable, type Removal, TargetRemovalError } from "./clean.ts";

/** A file --clean left although the log says the workflow made it, and why (a clause). */
export interface KeptFile {
  readonly path: string;
  readonly why: string;
}

/**
 * Removes (with `dryRun`: lists) the unchanged files of rules no longer in the workflow; returns
 * them and the ones kept. `removedTargets`: the targets (absolute) --clean removes: a file
 * inside one goes with it, and is neither removed here nor said to be kept.
 */
export function cleanOtherFiles(top: Cleanable, removedTargets: ReadonlySet<string>, dryRun: boolean): { removed: Removal[]; kept: KeptFile[] } {
  const removed: Removal[] = [];
  const kept: KeptFile[] = [];
  let sources: Set<string> | undefined;
  // by name: the log's order is the order rules ended in, which a parallel run does not fix
  for (const file of [...top.summary.files.others()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = absolutePath(top.directory, file.name);
    if (insideAny(path, removedTargets)) continue;
    const stat = lstatSync(path, { throwIfNoEntry: false });
    if (stat === undefined) continue;
    if (sources === undefined) {
      sources = new Set();
      for (const rule of top.workflow.rules) for (const source of rule.sources) sources.add(absolutePath(top.directory, source.path));
    }
    const why = sources.has(path)
      ? "the workflow reads it now, as a source"
      : stat.isDirectory()
        ? "a directory, whose contents the log cannot vouch for"
        : !file.done
          ? "its rule, since removed from the workflow, never finished making it"
          : !unchangedSince(file, stat)
            ? "changed since the workflow made it"
            : undefined;
    if (why !== undefined) {
      kept.push({ path: file.name, why });
      continue;
    }
    try {
      if (!dryRun) unlinkSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      if (code === "ENOENT") continue;
      throw new TargetRemovalError(`cannot remove ${file.name} (${code})`, { written: file.name, code });
    }
    removed.push({ path: file.name });
  }
  return { removed, kept };
}

/** Whether `path` is strictly inside one of `directories` (absolute). */
function insideAny(path: string, directories: ReadonlySet<string>): boolean {
  for (let parent = dirname(path); parent !== dirname(parent); parent = dirname(parent)) if (directories.has(parent)) return true;
  return false;
}
