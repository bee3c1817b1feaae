// skein-io-adapter: lists target directories and removes stale targets before a task starts.
/**
 * Before a task starts, its targets must not exist: a stale or partial file from an earlier run
 * would otherwise pass for the command's work. Checking each target costs a path lookup per
 * task, and most targets have never existed — a lookup that misses the directory cache and
 * searches the directory on disk. So each target directory is listed once, on its first use:
 * a target absent from that listing can only appear through its own rule (targets belong to
 * one rule), so a first attempt whose targets were all absent starts without a lookup. A
 * retry, a rerun after a lost worker or a fast abort, a target present when listed, or a
 * directory too large to list (`listedEntriesMax`) gets the lookup and the removal.
 */
import { type Dir, opendirSync } from "node:fs";
import { absolutePath, splitPath } from "../paths.ts";
import type { Workflow } from "../workflow.ts";
import { removeTargets, TargetRemovalError } from "./clean.ts";

/** Entries of one directory kept in memory; a larger directory is not listed. */
export const listedEntriesMax = 200_000;

export class StaleTargets {
  /** Names in each directory when first listed; null: too large, ask per target. */
  private readonly listings = new Map<string, Set<string> | null>();
  /**
   * Every rule's targets as absolute paths, sorted: built on the first directory target found
   * present (rare), so the targets inside one are found by a binary search.
   */
  private sortedTargets: string[] | undefined;

  constructor(
    private readonly workflow: Workflow,
    private readonly directory: string,
  ) {}

  /**
   * Removes what a task of `rule` (attempt `attempt`, from 1) must not find when it starts;
   * returns why the task must not start when a stale target cannot be removed.
   */
  beforeStart(rule: number, attempt: number): string | undefined {
    if (attempt === 1 && this.allAbsent(rule)) return undefined;
    try {
      removeTargets(this.workflow, rule, this.directory, false, (path) => this.targetsInside(path));
      return undefined;
    } catch (error) {
      if (!(error instanceof TargetRemovalError)) throw error;
      return `${error.message}, left from an earlier run: the command was not started, so it cannot pass for its work`;
    }
  }

  /** Targets of any rule strictly inside `path` (a directory target about to be removed). */
  private targetsInside(path: string): string[] {
    if (this.sortedTargets === undefined) {
      this.sortedTargets = [];
      for (const rule of this.workflow.rules) for (const target of rule.targets) this.sortedTargets.push(absolutePath(this.directory, target.path));
      this.sortedTargets.sort();
    }
    const sorted = this.sortedTargets;
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
  }

  private allAbsent(rule: number): boolean {
    for (const target of this.workflow.rules[rule]!.targets) {
      const { directory, name } = splitPath(absolutePath(this.directory, target.path));
      const names = this.listing(directory);
      if (names === null || names.has(name)) return false;
    }
    return true;
  }

  private listing(directory: string): Set<string> | null {
    let names = this.listings.get(directory);
    if (names !== undefined) return names;
    names = list(directory);
    this.listings.set(directory, names);
    return names;
  }
}

/** The names in `directory` (empty if it does not exist), or null past listedEntriesMax. */
function list(directory: string): Set<string> | null {
  let dir: Dir;
  try {
    dir = opendirSync(directory);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? new Set() : null;
  }
  const names = new Set<string>();
  try {
    for (let entry = dir.readSync(); entry !== null; entry = dir.readSync()) {
      if (names.size >= listedEntriesMax) return null;
      names.add(entry.name);
    }
  } finally {
    dir.closeSync();
  }
  return names;
}
