/**
 * Planning turns the rules into a DAG: which rule makes each file, which rules each rule waits
 * for, and checks that fail with a location: a target made by two rules, a source that no rule
 * makes and that does not exist, a cycle (printed). A directory source also waits for rules
 * that make files inside it, and a file inside a directory target waits for that directory's
 * rule. Everything is a map look-up per file name: linear in the size of the workflow.
 */
import { posix } from "node:path";
import { missingList } from "../executors/executor.ts";
import { canonicalizer, writtenPath } from "../language/canonical-path.ts";
import { formatLocation, WorkflowError } from "../language/errors.ts";
import { normalizePath } from "../language/file-words.ts";
import type { FileReference, Rule, Workflow } from "../workflow.ts";
import { findCycle } from "./cycle.ts";
import { withNestedFileReading } from "./nested-file.ts";

export interface Plan {
  readonly workflow: Workflow;
  /** Rule index → indexes of the rules it waits for (no duplicates). */
  readonly dependencies: ReadonlyArray<readonly number[]>;
  /** Rule index → indexes of the rules that wait for it. */
  readonly dependants: ReadonlyArray<readonly number[]>;
  /** File path → index of the rule that makes it. */
  readonly producers: ReadonlyMap<string, number>;
  /** Every rule after the rules it waits for. */
  readonly order: readonly number[];
}

/** Kahn's algorithm: a topological order, linear in rules and edges. */
function topologicalOrder(dependencies: ReadonlyArray<readonly number[]>, dependants: ReadonlyArray<readonly number[]>): number[] {
  const waiting = dependencies.map((list) => list.length);
  const order: number[] = [];
  for (let rule = 0; rule < waiting.length; rule++) if (waiting[rule] === 0) order.push(rule);
  for (let index = 0; index < order.length; index++) {
    for (const dependant of dependants[order[index]!]!) if (--waiting[dependant]! === 0) order.push(dependant);
  }
  return order;
}

export interface PlanComponents {
  /** Whether a path exists, relative to the workflow's directory (the only I/O planning needs). */
  exists(path: string): boolean;
  /**
   * For a missing source, as written: the name, from the workflow's directory, of the file it
   * names when read from the directory the run was started in, if that file exists there and
   * the two directories differ (upstream reads names from there: `makeflow dirs/w.mf`). Only
   * for the error's hint.
   */
  fromStartDirectory?(written: string): string | undefined;
}

const noDirectories: readonly string[] = Object.freeze([]);

/** The directories containing `path`, innermost first (none, without an allocation, for a path without a `/`). */
function ancestors(path: string): readonly string[] {
  if (!path.includes("/")) return noDirectories;
  const out: string[] = [];
  for (let dir = posix.dirname(path); dir !== "." && dir !== "/" && dir !== path; dir = posix.dirname(dir)) out.push(dir);
  return out;
}

/** One shared empty list: most files have no rules inside them, and 100 000 look-ups made 100 000 arrays. */
const noRules: readonly number[] = Object.freeze([]);

class Planner {
  readonly producers = new Map<string, number>();
  /** The dependencies of the rule being planned (see `dependenciesOf`). */
  private readonly found: number[] = [];
  private insideDirectory: Map<string, number[]> | undefined;
  /** Directory → the rules making files inside it that do not list it as a source (built on first need). */
  private readonly insideNotListing = new Map<string, readonly number[]>();

  constructor(readonly workflow: Workflow) {
    for (const rule of workflow.rules) {
      for (const target of rule.targets) {
        const other = this.producers.get(target.path);
        if (other !== undefined) {
          const first = workflow.rules[other]!.targets.find((t) => t.path === target.path)!;
          const spelled = writtenPath(first) === writtenPath(target) ? "" : `, as '${writtenPath(first)}'`;
          throw new WorkflowError(target.location, `target '${writtenPath(target)}' is made by two rules (also at ${formatLocation(first.location)}${spelled})`);
        }
        this.producers.set(target.path, rule.id);
      }
    }
  }

  /**
   * Rules that make files strictly inside `directory` (built on first need); inside "." is
   * every rule with a target there.
   */
  private producersInside(directory: string): readonly number[] {
    if (!this.insideDirectory) {
      this.insideDirectory = new Map();
      const everything: number[] = [];
      for (const [path, rule] of this.producers) {
        if (everything[everything.length - 1] !== rule && !posix.isAbsolute(path) && path !== ".." && !path.startsWith("../")) everything.push(rule);
        for (const dir of ancestors(path)) {
          const list = this.insideDirectory.get(dir) ?? [];
          if (list[list.length - 1] !== rule) list.push(rule);
          this.insideDirectory.set(dir, list);
        }
      }
      this.insideDirectory.set(".", everything);
    }
    return this.insideDirectory.get(directory) ?? noRules;
  }

  /**
   * The rules `rule` waits for: the producer of each source; for a directory source, also every
   * rule making a file inside it — except, when `rule` makes a file inside it too, the rules
   * that list the same directory as a source (`d/x: d` and `d/y: d` both need `d`, not each
   * other; `all: d` needs both); for a file inside a directory target, that directory's rule.
   */
  dependenciesOf(rule: Rule, exists: (path: string) => boolean, fromStart?: PlanComponents["fromStartDirectory"]): number[] {
    // collected in one array kept for every rule, and copied at its size: an array pushed to
    // from empty holds room for 17, and 100 000 rules kept that room (megabytes the collector copies)
    const found = this.found;
    found.length = 0;
    let seen: Set<number> | undefined; // past a few dependencies, a linear scan would be quadratic
    let missing: FileReference[] | undefined;
    for (const source of rule.sources) {
      const producer = this.producers.get(source.path);
      if (producer !== undefined) seen = addOnce(found, seen, producer);
      const inside = this.producersInside(source.path);
      if (inside.length > 0) {
        // a peer (it makes files inside the directory too) skips the others listing the directory;
        // both looked up without a scan of `inside` per rule: 100 000 `d/x_i: d` rules stay linear
        const waitFor = makesInside(rule, source.path) ? this.notListing(source.path, inside) : inside;
        for (const r of waitFor) if (r !== rule.id) seen = addOnce(found, seen, r);
      }
      if (producer !== undefined) continue;
      const container = this.container(source.path);
      if (container === rule.id) {
        // `d: d/x`: a rule cannot wait for itself (it was "a cycle: d -> d"); an existing d/x is a plain source
        if (exists(source.path)) continue;
        throw new WorkflowError(source.location, `source '${writtenPath(source)}' is inside a directory this rule makes, and no other rule makes it: list it as a target, or make it in a rule of its own`);
      }
      if (container !== undefined) seen = addOnce(found, seen, container);
      if (inside.length === 0 && container === undefined && !exists(source.path)) (missing ??= []).push(source);
    }
    if (missing) throw missingSources(rule, missing, fromStart);
    return found.slice();
  }

  /** The rules of `inside` (those making files inside `directory`) that do not list it as a source. */
  private notListing(directory: string, inside: readonly number[]): readonly number[] {
    let list = this.insideNotListing.get(directory);
    if (!list) {
      list = inside.filter((r) => !this.workflow.rules[r]!.sources.some((s) => s.path === directory));
      this.insideNotListing.set(directory, list);
    }
    return list;
  }

  /** The rule making a directory that contains `path`, if any. */
  private container(path: string): number | undefined {
    if (!path.includes("/")) return undefined;
    const directory = ancestors(path).find((dir) => this.producers.has(dir));
    return directory === undefined ? undefined : this.producers.get(directory);
  }
}

/** Whether `rule` makes a file strictly inside `directory` (as `producersInside` counts them). */
function makesInside(rule: Rule, directory: string): boolean {
  if (directory === ".") return rule.targets.some((t) => !posix.isAbsolute(t.path) && t.path !== ".." && !t.path.startsWith("../"));
  const prefix = directory.endsWith("/") ? directory : `${directory}/`;
  return rule.targets.some((t) => t.path.startsWith(prefix));
}

/** Every missing source of a rule (the first few named), at the first one. */
function missingSources(rule: Rule, missing: readonly FileReference[], fromStart?: PlanComponents["fromStartDirectory"]): WorkflowError {
  const note = missing.map((source) => olderReadingNote(rule, source.path)).find((text) => text !== "") ?? startDirectoryNote(missing, fromStart);
  if (missing.length === 1) return new WorkflowError(missing[0]!.location, `source '${writtenPath(missing[0]!)}' is not made by any rule and does not exist${note}`);
  const names = missingList(missing.map((source) => `'${writtenPath(source)}'`));
  return new WorkflowError(missing[0]!.location, `sources ${names} are not made by any rule and do not exist${note}`);
}

/** The first missing source found from the directory the run started in, as upstream reads names. */
function startDirectoryNote(missing: readonly FileReference[], fromStart?: PlanComponents["fromStartDirectory"]): string {
  if (!fromStart) return "";
  for (const source of missing.slice(0, missingNoteLookupsMax)) {
    const name = fromStart(writtenPath(source));
    if (name !== undefined) return ` (names are read from the workflow's directory; '${writtenPath(source)}' of the current directory, where upstream reads names, is '${name}')`;
  }
  return "";
}

/** Missing sources looked up from the start directory for the hint: an error names 10 of them anyway. */
const missingNoteLookupsMax = 10;

/** For a nested rule's missing file: the other place older upstream looked for it. */
function olderReadingNote(rule: Rule, path: string): string {
  const nested = rule.nested;
  const spelled = nested?.written ?? path;
  if (nested?.directory === undefined || nested.file !== path || nested.directory === "." || posix.isAbsolute(spelled)) return "";
  return `, nor does '${normalizePath(`${nested.directory}/${spelled}`)}' (where older Makeflow read 'MAKEFLOW ${spelled} ${nested.directory}')`;
}

function addOnce(found: number[], seen: Set<number> | undefined, rule: number): Set<number> | undefined {
  if (seen ? seen.has(rule) : found.includes(rule)) return seen;
  found.push(rule);
  if (seen) seen.add(rule);
  else if (found.length > 16) return new Set(found);
  return seen;
}

/**
 * Answers remembered per plan: a source read by 1 000 rules is checked on disk once. Past this
 * many paths, a path not remembered is asked about each time (correct, a stat more): 10^6
 * sources read once each made a map of 10^6 answers that nothing asked for again.
 */
export const existsRememberedMax = 100_000;

/** Asks about each path once (up to `existsRememberedMax` paths remembered). */
function onceEach(exists: (path: string) => boolean): (path: string) => boolean {
  const known = new Map<string, boolean>();
  return (path) => {
    let answer = known.get(path);
    if (answer !== undefined) return answer;
    answer = exists(path);
    if (known.size < existsRememberedMax) known.set(path, answer);
    return answer;
  };
}

/** Names printed of a long cycle: the first ones and the last ones, the rest counted. */
const cycleNamesMax = 16;

/**
 * The error for a cycle (rules in "made before" order): it starts at the rule written first, at
 * whose location it is reported, and a long cycle (a 100 000-rule ring printed ≈ 1 MB) is shortened.
 */
function cycleError(workflow: Workflow, cycle: readonly number[]): WorkflowError {
  let start = 0;
  for (let i = 1; i < cycle.length; i++) if (cycle[i]! < cycle[start]!) start = i;
  const ordered = [...cycle.slice(start), ...cycle.slice(0, start)];
  const names = ordered.map((index) => writtenPath(workflow.rules[index]!.targets[0]!));
  const shown =
    names.length <= cycleNamesMax
      ? names
      : [...names.slice(0, cycleNamesMax / 2), `… ${names.length - cycleNamesMax + 4} more …`, ...names.slice(names.length - cycleNamesMax / 2 + 4)];
  return new WorkflowError(workflow.rules[ordered[0]!]!.location, `the rules form a cycle (each is needed to make the next): ${[...shown, names[0]].join(" -> ")}`);
}

/** Rule → the rules that wait for it, each list made at its size (counted first, not pushed to). */
function dependantsOf(dependencies: ReadonlyArray<readonly number[]>): number[][] {
  const counts = new Int32Array(dependencies.length);
  for (const list of dependencies) for (const dependency of list) counts[dependency]!++;
  const dependants: number[][] = dependencies.map((_, rule) => new Array<number>(counts[rule]!));
  counts.fill(0);
  dependencies.forEach((list, rule) => {
    for (const dependency of list) dependants[dependency]![counts[dependency]!++] = rule;
  });
  return dependants;
}

/** Builds and checks the DAG of a workflow. Throws `WorkflowError` on the first problem. */
export function plan(workflow: Workflow, components: PlanComponents): Plan {
  const planner = new Planner(workflow);
  // a rule's files are read once each (language/rule-files.ts drops repeats): with one rule, nothing is asked twice
  const exists = workflow.rules.length > 1 ? onceEach((path) => components.exists(path)) : (path: string) => components.exists(path);
  const available = (path: string) => planner.producers.has(path) || exists(path);
  const canonical = canonicalizer(workflow.directory);
  workflow.rules.forEach((rule, index) => {
    if (rule.nested?.directory !== undefined) workflow.rules[index] = withNestedFileReading(rule, available, canonical);
  });
  const dependencies = workflow.rules.map((rule) => planner.dependenciesOf(rule, exists, components.fromStartDirectory));
  const dependants = dependantsOf(dependencies);
  const order = topologicalOrder(dependencies, dependants);
  // a rule left out of the order waits, directly or not, for itself: find the cycle to print
  const cycle = order.length < workflow.rules.length ? findCycle(dependencies) : undefined;
  if (cycle) throw cycleError(workflow, cycle);
  return { workflow, dependencies, dependants, producers: planner.producers, order };
}
