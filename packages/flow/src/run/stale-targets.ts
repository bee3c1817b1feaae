// skein-io-adapter: lists target directories and removes stale targets before a task starts.
/**
 * Before a task starts, its targets must not exist: a stale or partial file from an earlier run
 * would otherwise pass for the command's work. Only what the workflow made, or started making,
 * is removed: a rule the log shows started (in this version or an earlier one with the same
 * targets), a target the log's file lines name as made (by any rule; unless changed since it
 * was done), or a retry in this run. A target found before its rule ever started is the user's:
 * it is moved aside (`set-aside.ts`), never deleted; a directory holding files the workflow
 * names (its sources, other rules' targets) stays where it is, for the command to work in, if it
 * holds nothing else: once the rule starts, the log records the directory as the workflow's, and
 * a later removal (a rerun, `--clean`) empties it around the named files — so what else it holds
 * moves out of it, to the same place under `<dir>.skein-old` (moved aside within it, a later
 * removal would delete it; refusing to start would not help, the log shows the start). Checking
 * each target costs a path lookup per
 * task, and most targets have never existed — a lookup that misses the directory cache and
 * searches the directory on disk. So each target directory is listed once, on its first use:
 * a target absent from that listing can only appear through its own rule (targets belong to
 * one rule), so a first attempt whose targets were all absent starts without a lookup. A
 * retry, a rerun after a lost worker or a fast abort, a target present when listed, or a
 * directory too large to list (`listedEntriesMax`) gets the lookup and the removal.
 *
 * A `MAKEFLOW` rule's targets are left alone: they are its nested workflow's files, and the
 * nested run, with its own log, removes or sets aside each before the nested rule making it
 * runs. Removed here, an interrupted or failed nested run's finished files would go, and the
 * rerun would redo the nested rules its log shows done (which `--dry-run` does not predict).
 */
import { type Dir, lstatSync, opendirSync } from "node:fs";
import { absolutePath, splitPath } from "../paths.ts";
import type { FileReference, Workflow } from "../workflow.ts";
import { writtenPath } from "../language/canonical-path.ts";
import { type InsideTargets, namedFilesInside, removeTarget, removeTargets, TargetRemovalError } from "./clean.ts";
import type { MadeFiles } from "../log/file-records.ts";
import { madeAsRecorded, whyNotMade } from "../log/file-lines.ts";
import { asideNamesMax, asideSuffixAt, setAside, setAsideInside, unnamedEntries } from "./set-aside.ts";

/** Entries of one directory kept in memory; a larger directory is not listed. */
export const listedEntriesMax = 200_000;

/** A target set aside (as the workflow wrote it) and its aside name; for a directory that stays, `entries`: what of it moved there. */
export interface KeptAside {
  readonly rule: number;
  readonly target: string;
  readonly aside: string;
  readonly entries?: readonly string[];
  /** For a target moved whole, unless not made by this workflow: why it is not the workflow's to remove ("changed since the workflow made it", …). */
  readonly why?: string;
}

type Readying = { readonly target: FileReference; readonly path: string } & ({ readonly kind: "remove" } | { readonly kind: "aside"; readonly why: string } | { readonly kind: "inside"; readonly unnamed: readonly string[] });

export class StaleTargets {
  /** Names in each directory when first listed; null: too large, ask per target. */
  private readonly listings = new Map<string, Set<string> | null>();
  /** Files the workflow names inside a directory target: kept when it is removed. */
  private readonly inside: InsideTargets;

  /**
   * `started`: the rules the log shows started before this run (their targets are the
   * workflow's own); `say`: where a target moved aside is reported (a line, with its newline,
   * and what moved where, for --json);
   * `files`: the files the log names as the workflow's (a target of a rule since given more
   * targets, or split from another), removed as a started rule's are unless changed since done.
   */
  constructor(
    private readonly workflow: Workflow,
    private readonly directory: string,
    private readonly started: ReadonlySet<number>,
    private readonly say: (line: string, kept?: KeptAside) => void,
    private readonly files?: MadeFiles,
  ) {
    this.inside = namedFilesInside(workflow, directory);
  }

  /**
   * Removes what a task of `rule` (attempt `attempt`, from 1) must not find when it starts;
   * returns why the task must not start when a stale target cannot be removed.
   */
  beforeStart(rule: number, attempt: number): string | undefined {
    if (this.workflow.rules[rule]!.nested !== undefined) return undefined;
    if (attempt === 1 && this.allAbsent(rule)) return undefined;
    if (attempt === 1) return this.keepAside(rule);
    try {
      removeTargets(this.workflow, rule, this.directory, false, this.inside);
      return undefined;
    } catch (error) {
      if (!(error instanceof TargetRemovalError)) throw error;
      return `${error.message}, left from an earlier run: the command was not started, so it cannot pass for its work`;
    }
  }

  /**
   * What readying each existing target of a rule takes on its first attempt: removal (the rule
   * started before, or the log names the file as the workflow's, as it left it), a move aside
   * (the user's), or for a directory holding files the workflow names, moving aside what else
   * it holds (nothing: it stays). Of a rule that started before, only a file an interrupted
   * run was making that a later run then left be is not removed (`madeAsRecorded`).
   */
  private readyings(rule: number): Readying[] {
    const readyings: Readying[] = [];
    const started = this.started.has(rule);
    for (const [index, target] of this.workflow.rules[rule]!.targets.entries()) {
      const path = absolutePath(this.directory, target.path);
      const stat = lstatSync(path, { throwIfNoEntry: false });
      if (stat === undefined) continue;
      const record = this.files?.target(rule, index);
      if (record === undefined ? started : madeAsRecorded(record, stat) || (started && record.done)) {
        readyings.push({ kind: "remove", target, path });
        continue;
      }
      const named = stat.isDirectory() ? this.inside(path) : [];
      // the command works in it, as make's would; what the workflow does not name goes aside
      if (named.length > 0) {
        const unnamed = unnamedEntries(path, named);
        if (unnamed.length > 0) readyings.push({ kind: "inside", target, path, unnamed });
      } else readyings.push({ kind: "aside", target, path, why: record === undefined ? notMade : whyNotMade(record) });
    }
    return readyings;
  }

  /** Moves the existing targets of a rule that never started out of its way; returns why it cannot start, if it cannot. */
  private keepAside(rule: number): string | undefined {
    for (const readying of this.readyings(rule)) {
      const { target, path } = readying;
      const shown = writtenPath(target);
      if (readying.kind === "remove") {
        try {
          removeTarget(target, this.directory, false, this.inside);
          continue;
        } catch (error) {
          if (!(error instanceof TargetRemovalError)) throw error;
          return `${error.message}, left from an earlier run: the command was not started, so it cannot pass for its work`;
        }
      }
      const bare = shown.replace(/\/+$/, "");
      if (readying.kind === "inside") {
        const kept = setAsideInside(path, shown, readying.unnamed);
        if ("reason" in kept) return kept.reason;
        const entries = readying.unnamed.map((entry) => `${bare}${entry.slice(path.length)}`);
        this.say(`skein flow: kept what ${bare} holds that this workflow does not name (${entries.slice(0, movedShownMax).join(", ")}${entries.length > movedShownMax ? ", …" : ""}) in ${kept.aside}\n`, { rule, target: shown, aside: kept.aside, entries });
        continue;
      }
      const kept = setAside(path, shown);
      if ("reason" in kept) return kept.reason;
      this.say(`skein flow: kept ${shown} (${readying.why}) as ${kept.aside}\n`, { rule, target: shown, aside: kept.aside, ...whyField(readying.why) });
    }
    return undefined;
  }

  /**
   * What readying rule `rule` would move aside if it started now (for `--dry-run`): each target
   * of it, or what a directory target holds, with the first aside name free now. Nothing is
   * moved or removed. Empty for a `MAKEFLOW` rule (its nested run readies its targets).
   */
  wouldSetAside(rule: number): KeptAside[] {
    if (this.workflow.rules[rule]!.nested !== undefined) return [];
    const kept: KeptAside[] = [];
    for (const readying of this.readyings(rule)) {
      if (readying.kind === "remove") continue;
      const shown = writtenPath(readying.target);
      const bare = shown.replace(/\/+$/, "");
      const base = readying.path.replace(/\/+$/, "");
      let index = 1;
      while (index < asideNamesMax && lstatSync(`${base}${asideSuffixAt(index)}`, { throwIfNoEntry: false }) !== undefined) index++;
      const aside = `${bare}${asideSuffixAt(index)}`;
      kept.push(readying.kind === "inside" ? { rule, target: shown, aside, entries: readying.unnamed.map((entry) => `${bare}${entry.slice(readying.path.length)}`) } : { rule, target: shown, aside, ...whyField(readying.why) });
    }
    return kept;
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

const notMade = "not made by this workflow";

/** `why`, as a KeptAside carries it: only when it is not the usual one. */
const whyField = (why: string): { why?: string } => (why === notMade ? {} : { why });

/** Entries named in the line that reports a directory's unnamed files moved aside (then "…"). */
const movedShownMax = 3;

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
