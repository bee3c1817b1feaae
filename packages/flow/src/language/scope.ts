/**
 * The variable scope of a Makeflow file as it is read top to bottom: global variables,
 * exported names, the current category and the resources assigned to each category. Rule-local
 * assignments live in a small overlay that only the rule being read sees.
 */
import { type Category, type Resources, resourceVariables, type SourceLocation } from "../workflow.ts";
import { WorkflowError } from "./errors.ts";
import { defaultJobEnvironment, threadsVariable } from "./job-environment.ts";
import { unquote } from "./words.ts";

export const defaultCategory = "default";

/** `CATEGORY`, or `SYMBOL`, which upstream reads as another name of it. */
export function isCategoryName(name: string): boolean {
  return name === "CATEGORY" || name === "SYMBOL";
}

const categoryNames = ["CATEGORY", "SYMBOL"] as const;

/** A variable that changes the default environment of jobs: category, resources and threads. */
function shapesJobEnvironment(name: string): boolean {
  return isCategoryName(name) || resourceVariables.has(name) || name === threadsVariable;
}

/**
 * A resource value as written: decimal digits with an optional fraction. `Number` alone would
 * also take `0x10`, `1e3` or `0b11`, which upstream (atoll) reads as 0, 1 and 0.
 */
const decimal = /^\d+(?:\.\d+)?$/;

/** A resource from the environment (`CORES=4 skein flow …`): its number, or undefined when it is not one. */
export function environmentResource(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  return decimal.test(text) && Number.isFinite(Number(text)) ? Number(text) : undefined;
}

/** The unit a resource variable is counted in, for messages. */
const units: Readonly<Record<string, string>> = { MEMORY: " of MB", DISK: " of MB", WALL_TIME: " of seconds" };

/** Reads a resource value: a non-negative number (MB for memory and disk, seconds for wall time). */
export function resourceNumber(name: string, value: string, location: SourceLocation): number {
  const text = unquote(value);
  const number = Number(text);
  if (!decimal.test(text) || !Number.isFinite(number)) {
    throw new WorkflowError(location, `${name} must be a non-negative number${units[name] ?? ""}, written in decimal without a unit, not '${text}'`);
  }
  return number;
}

export class Scope {
  readonly variables = new Map<string, string>();
  /** Exported names, in the order first exported (a set: 20 000 `export` lines stay linear). */
  readonly exported = new Set<string>();
  readonly categories = new Map<string, Category>();
  currentCategory = defaultCategory;
  /** The environment, copied once (reading `process.env` is slow, and it may change). */
  private readonly environment: ReadonlyMap<string, string>;
  /** Resources of rules without rule-local resources, per category, until an assignment changes them. */
  private readonly sharedResources = new Map<string, Resources>();
  /**
   * The environment of rules without rule-local variables that shape it, per category (with the
   * resources it was built for), until an exported, category, threads or resource variable changes.
   */
  private readonly sharedEnvironments = new Map<string, { resources: Resources; environment: Record<string, string> }>();
  /** Whether the workflow or the environment gave BATCH_LOCAL a value. */
  private batchLocalSet: boolean;
  /**
   * Resource variables (CORES, MEMORY, …) as assigned, per category: `$(CORES)` reads the
   * rule's category's, as its resources do (it read the last assigned in any category).
   */
  private readonly resourceValues = new Map<string, Map<string, string>>();

  constructor(environment: Readonly<Record<string, string | undefined>>) {
    const copy = new Map<string, string>();
    for (const name of Object.keys(environment)) {
      const value = environment[name];
      if (value !== undefined) copy.set(name, value);
    }
    this.environment = copy;
    this.batchLocalSet = copy.has("BATCH_LOCAL");
    this.category(defaultCategory);
  }

  category(name: string): Category {
    let category = this.categories.get(name);
    if (!category) {
      category = { name, resources: {}, mode: undefined };
      this.categories.set(name, category);
    }
    return category;
  }

  /**
   * Value of a variable as a rule sees it: rule-local, then global, then the environment. A
   * resource variable's global value is its category's, else the default category's, as
   * upstream looks it up (dag_variable.c): `CATEGORY=a`, `CORES=4`, then `CATEGORY=b` leaves
   * `$(CORES)` of b's rules unset, as b's resources are.
   */
  lookup(name: string, local?: ReadonlyMap<string, string>): string | undefined {
    const own = local?.get(name);
    if (own !== undefined) return own;
    return (resourceVariables.has(name) ? this.resourceValue(name, local) : this.variables.get(name)) ?? this.environment.get(name);
  }

  private resourceValue(name: string, local?: ReadonlyMap<string, string>): string | undefined {
    const named = local?.get("CATEGORY") ?? local?.get("SYMBOL");
    const category = named === undefined ? this.currentCategory : unquote(named) || defaultCategory;
    return this.resourceValues.get(category)?.get(name) ?? this.resourceValues.get(defaultCategory)?.get(name);
  }

  /** A global assignment; CATEGORY and resource variables also update the category table. */
  assign(name: string, value: string, location: SourceLocation): void {
    this.variables.set(name, value);
    if (this.exported.has(name) || shapesJobEnvironment(name)) this.sharedEnvironments.clear();
    if (name === "BATCH_LOCAL") this.batchLocalSet = true;
    if (isCategoryName(name) || resourceVariables.has(name)) this.sharedResources.clear();
    if (isCategoryName(name)) {
      this.currentCategory = unquote(value) || defaultCategory;
      this.category(this.currentCategory);
      return;
    }
    const field = resourceVariables.get(name);
    if (!field) return;
    this.category(this.currentCategory).resources[field] = resourceNumber(name, value, location);
    let values = this.resourceValues.get(this.currentCategory);
    if (!values) this.resourceValues.set(this.currentCategory, (values = new Map()));
    values.set(name, value);
  }

  /**
   * Whether a rule runs locally because BATCH_LOCAL is true for it (upstream's `string_istrue`:
   * "true" or "yes" in any case, or a number above 0 as atoi reads it). Known false without a
   * look-up while nothing has set BATCH_LOCAL.
   */
  batchLocal(local?: ReadonlyMap<string, string>): boolean {
    if (!this.batchLocalSet && !local?.has("BATCH_LOCAL")) return false;
    const value = this.lookup("BATCH_LOCAL", local);
    if (value === undefined) return false;
    const text = unquote(value);
    return /^(?:true|yes)$/i.test(text) || /^\s*\+?0*[1-9]/.test(text);
  }

  export(name: string): void {
    this.exported.add(name);
    this.sharedEnvironments.clear();
  }

  /**
   * The environment a rule's job gets: upstream's defaults (CATEGORY, CORES, MEMORY, DISK, GPUS,
   * OMP_NUM_THREADS: see job-environment.ts), then every exported variable that has a value.
   * Rules of one category whose own variables change none of it share one frozen object until a
   * variable it depends on changes (50 exports built 50 entries for each of 100 000 rules: four
   * times the parse). `resources` is the rule's, from `ruleResources`.
   */
  jobEnvironment(category: string, resources: Resources, local?: ReadonlyMap<string, string>): Record<string, string> {
    let own = false;
    if (local) for (const name of local.keys()) own ||= this.exported.has(name) || shapesJobEnvironment(name);
    if (own) return this.buildEnvironment(category, resources, local);
    const shared = this.sharedEnvironments.get(category);
    if (shared?.resources === resources) return shared.environment;
    const environment = Object.freeze(this.buildEnvironment(category, resources));
    this.sharedEnvironments.set(category, { resources, environment });
    return environment;
  }

  private buildEnvironment(category: string, resources: Resources, local?: ReadonlyMap<string, string>): Record<string, string> {
    // upstream exports CATEGORY when it has a value: a category the workflow named, even 'default'
    const named = category !== defaultCategory || categoryNames.some((n) => local?.has(n) || this.variables.has(n));
    const threads = this.lookup(threadsVariable, local);
    const environment = defaultJobEnvironment(named ? category : undefined, resources, threads === undefined ? undefined : unquote(threads));
    for (const name of this.exported) {
      const value = this.lookup(name, local);
      if (value !== undefined) environment[name] = unquote(value);
    }
    return environment;
  }

  /** Resources of a rule: rule-local, else its category's, else the default category's, else the environment's. */
  ruleResources(category: string, local: Resources): Resources {
    let hasLocal = false;
    for (const field in local) hasLocal ||= local[field as keyof Resources] !== undefined;
    if (!hasLocal) {
      let shared = this.sharedResources.get(category);
      if (!shared) this.sharedResources.set(category, (shared = Object.freeze(this.resolveResources(category, local))));
      return shared;
    }
    return this.resolveResources(category, local);
  }

  /**
   * Rule-local, else the rule's category, else the default category (set before any CATEGORY,
   * or with CATEGORY=default: upstream looks a category's variables up there next), else the
   * environment.
   */
  private resolveResources(category: string, local: Resources): Resources {
    const resources: Resources = {};
    const assigned = this.category(category).resources;
    const defaults = this.category(defaultCategory).resources;
    for (const [name, field] of resourceVariables) {
      const value = local[field] ?? assigned[field] ?? defaults[field] ?? environmentResource(this.environment.get(name));
      if (value !== undefined) resources[field] = value;
    }
    return resources;
  }
}
