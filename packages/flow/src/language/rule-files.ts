/**
 * The files of one rule, checked as a whole: a file listed twice in the same list counts once
 * (as make and upstream Makeflow accept `a a: b b`; so does one file written two ways, `x /w/x`
 * in a workflow in `/w`, unless renamed), and two different files may not share one
 * name in the rule's remote sandbox (`a.txt->in b->in`: which one would `in` be?). A target that
 * is also a source stays, for planning to report as a cycle.
 *
 * Most rules name a few files, compared pairwise without allocating; past `linearMax` files a
 * map keeps the check linear: a set of names per list when no file is renamed (a rule reading
 * 10^6 files spent 1.5 s in two maps of an object per file; now 0.4 s), two maps otherwise.
 */
import type { FileReference } from "../workflow.ts";
import { isRenamed, writtenPath } from "./canonical-path.ts";
import { WorkflowError } from "./errors.ts";

export interface RuleFiles {
  readonly targets: FileReference[];
  readonly sources: FileReference[];
}

/** Past this many files in a rule, a map instead of pairwise comparison. */
const linearMax = 16;

function conflict(first: FileReference, second: FileReference): WorkflowError {
  return new WorkflowError(second.location, `remote name '${second.remoteName}' is given to both '${writtenPath(first)}' and '${writtenPath(second)}'`);
}

/** Whether two entries without a remote name of their own name one file (`x` and `/w/x`). */
function sameFile(first: FileReference, second: FileReference): boolean {
  return first.path === second.path && !isRenamed(first) && !isRenamed(second);
}

/**
 * Whether `file` repeats an entry of `list` before `end` (same local and remote name); throws
 * when one there has its remote name but another local file.
 */
function repeats(list: readonly FileReference[], end: number, file: FileReference): boolean {
  for (let i = 0; i < end; i++) {
    const other = list[i]!;
    if (other.remoteName !== file.remoteName) {
      if (sameFile(other, file)) return true;
      continue;
    }
    if (other.path !== file.path) throw conflict(other, file);
    return true;
  }
  return false;
}

/** `list` without the entries at `drop` (the same array when there are none). */
function without(list: FileReference[], drop: number[] | undefined): FileReference[] {
  if (!drop) return list;
  return list.filter((_, index) => !drop.includes(index));
}

function pairwise(targets: FileReference[], sources: FileReference[]): RuleFiles {
  let dropTargets: number[] | undefined;
  let dropSources: number[] | undefined;
  for (let i = 1; i < targets.length; i++) {
    if (repeats(targets, i, targets[i]!)) (dropTargets ??= []).push(i);
  }
  for (let i = 0; i < sources.length; i++) {
    repeats(targets, targets.length, sources[i]!); // a target that is also a source is kept
    if (repeats(sources, i, sources[i]!)) (dropSources ??= []).push(i);
  }
  return { targets: without(targets, dropTargets), sources: without(sources, dropSources) };
}

interface Named {
  readonly file: FileReference;
  inTargets: boolean;
  inSources: boolean;
}

/** `list` without the files repeating an earlier one (by DAG name); the same array when none does. */
function withoutRepeats(list: FileReference[]): FileReference[] {
  const seen = new Set<string>();
  let out: FileReference[] | undefined; // made only when a repeat is dropped
  for (let i = 0; i < list.length; i++) {
    const file = list[i]!;
    const size = seen.size;
    seen.add(file.path); // one hash operation per file: a repeat leaves the size as it was
    if (seen.size === size) out ??= list.slice(0, i);
    else out?.push(file);
  }
  return out ?? list;
}

/**
 * `mapped` for a rule whose files all keep their names (most rules): a file's remote name is then
 * its name as written, so two files sharing one are one file, and no clash is possible; repeats
 * are found in each list by DAG name alone, without an object per file (a target that is also a
 * source stays in both).
 */
function unrenamedMapped(targets: FileReference[], sources: FileReference[]): RuleFiles {
  return { targets: withoutRepeats(targets), sources: withoutRepeats(sources) };
}

function mapped(targets: FileReference[], sources: FileReference[]): RuleFiles {
  if (!targets.some(isRenamed) && !sources.some(isRenamed)) return unrenamedMapped(targets, sources);
  const byRemote = new Map<string, Named>();
  const unrenamed = new Map<string, Named>(); // by path: `x` and `/w/x` are one file
  const keep = (file: FileReference, target: boolean): boolean => {
    let named = byRemote.get(file.remoteName);
    if (named && named.file.path !== file.path) throw conflict(named.file, file);
    if (!named && !isRenamed(file)) named = unrenamed.get(file.path);
    if (!named) {
      named = { file, inTargets: target, inSources: !target };
      byRemote.set(file.remoteName, named);
      if (!isRenamed(file)) unrenamed.set(file.path, named);
      return true;
    }
    if (target ? named.inTargets : named.inSources) return false;
    if (target) named.inTargets = true;
    else named.inSources = true;
    return true;
  };
  const keptTargets = targets.filter((file) => keep(file, true));
  const keptSources = sources.filter((file) => keep(file, false));
  return {
    targets: keptTargets.length === targets.length ? targets : keptTargets,
    sources: keptSources.length === sources.length ? sources : keptSources,
  };
}

/**
 * A target whose remote name is inside another target's (`a->x b->x/f`) comes back from a
 * worker inside that target's tree, so it lands where that target's local name puts it
 * (`a/f`): its own local name must be that place, or the run says done without it.
 */
function checkNestedTargets(targets: readonly FileReference[]): void {
  if (targets.length < 2 || !targets.some((target) => target.remoteName.includes("/"))) return;
  const byRemote = new Map(targets.map((target) => [target.remoteName, target]));
  for (const target of targets) {
    const remote = target.remoteName;
    for (let slash = remote.indexOf("/"); slash > 0; slash = remote.indexOf("/", slash + 1)) {
      const outer = byRemote.get(remote.slice(0, slash));
      if (!outer) continue;
      const lands = `${outer.path}${remote.slice(slash)}`;
      if (target.path !== lands) {
        throw new WorkflowError(target.location, `target '${writtenPath(target)}' comes back from a worker inside target '${writtenPath(outer)}' (as '${remote}' inside '${outer.remoteName}'), so it would land at '${lands}': name it so, or rename it out of '${outer.remoteName}'`);
      }
      break;
    }
  }
}

/** Checks a rule's files and drops repeated entries; throws `WorkflowError` on a remote-name clash. */
export function ruleFiles(targets: FileReference[], sources: FileReference[]): RuleFiles {
  const count = targets.length + sources.length;
  if (count < 2) return { targets, sources };
  const files = count > linearMax ? mapped(targets, sources) : pairwise(targets, sources);
  checkNestedTargets(files.targets);
  return files;
}
