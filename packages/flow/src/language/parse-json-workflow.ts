/**
 * The JSON form of a workflow (Makeflow's JX without expressions):
 *
 *     { "environment": { "K": "v" },
 *       "categories": { "big": { "resources": { "cores": 2, "memory": 1000, "disk": 100 }, "environment": {...} } },
 *       "rules": [ { "command": "sort in > out", "inputs": ["in"], "outputs": ["out"],
 *                    "local_job": false, "category": "big", "resources": {...}, "environment": {...} } ] }
 *
 * An input or output is a name or `{ "dag_name": local, "task_name": remote }`; a rule may have
 * `"workflow": file` (and `"directory"`) instead of a command. A top-level `"default_category"`
 * is the category of rules that name none (and the one every category falls back on), as
 * upstream's. Unknown keys are errors, as are two files of one rule with the same task name.
 */
import { type Category, type FileReference, type Resources, type Rule, resourceVariables, type SourceLocation, type Workflow } from "../workflow.ts";
import { type Canonical, canonicalizer, fileNamed } from "./canonical-path.ts";
import { WorkflowError } from "./errors.ts";
import { normalizePath, remoteNameProblem } from "./file-words.ts";
import { type Json, type JsonDocument, readJson } from "./json-reader.ts";
import { defaultJobEnvironment, defaultJobVariables, threadsVariable } from "./job-environment.ts";
import type { ParseInit } from "./parse-makeflow.ts";
import { ruleFiles } from "./rule-files.ts";
import { defaultCategory, environmentResource } from "./scope.ts";

type JsonObject = { [key: string]: Json };

const resourceKeys: Record<string, keyof Resources> = {
  cores: "cores",
  memory: "memoryMb",
  disk: "diskMb",
  gpus: "gpus",
  "wall-time": "wallTimeS",
  wall_time: "wallTimeS",
  "mpi-processes": "mpiProcesses",
};
const ruleKeys = new Set(["command", "workflow", "directory", "inputs", "outputs", "local_job", "category", "resources", "environment", "allocation", "args"]);
/** Upstream's `allocation` values: which of an auto-sized category's allocations a rule's first try gets. */
const allocations = new Set(["first", "max", "error"]);
/** Keys of older upstream JSON (2017: files `{"path", "execution_path"}`, `"makeflow": {"path", "cwd"}`), and their names now. */
const olderKeysTable: Readonly<Record<string, string>> = { path: "dag_name", execution_path: "task_name", makeflow: '"workflow": file, "directory": dir' };
/** Today's name of an older key, if `key` is one (an own key: '__proto__' and 'toString' are not). */
const olderKeys = new Map(Object.entries(olderKeysTable));
/** A file's older keys: the first JX workflows wrote `{"name", "source"}`, later `{"path", "execution_path"}`. */
const olderFileKeys = new Map([...olderKeys, ["name", "dag_name"], ["source", "task_name"]]);

/** Not a closure per file: 100 000 rules would allocate one (and its context) for each. */
function nulError(location: SourceLocation, what: string, index: number): WorkflowError {
  return new WorkflowError(location, `${what}[${index}]: a file name cannot hold a NUL byte`);
}

/** The resources of a container without "resources": one frozen object, not one per rule. */
const noResources: Resources = Object.freeze({});

/** The JSON type of a value as an error names it: "an object", "an array", "a number", "an empty string"... */
function jsonType(value: Json): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "string") return value === "" ? "an empty string" : "a string";
  return "a number";
}

class JsonWorkflowReader {
  /** Each category's `"environment"`, as upstream reads it: between the workflow's and the rule's. */
  readonly categoryEnvironments = new Map<string, Readonly<Record<string, string>>>();

  constructor(
    private readonly document: JsonDocument,
    private readonly canonical: Canonical,
  ) {}

  at(container: object, key: string | number): SourceLocation {
    return this.document.locate(this.document.offsetOf(container, key));
  }

  object(value: Json, where: SourceLocation, what: string): JsonObject {
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw new WorkflowError(where, `${what} must be an object, not ${jsonType(value)}`);
    return value;
  }

  strings(value: Json, where: SourceLocation, what: string): Record<string, string> {
    const object = this.object(value, where, what);
    const out: Record<string, string> = {};
    for (const [key, item] of Object.entries(object)) {
      if (typeof item !== "string" && typeof item !== "number") throw new WorkflowError(this.at(object, key), `${what}.${key} must be a string, not ${jsonType(item)}`);
      // a variable named '__proto__' is one like any other (assigning would set the prototype)
      if (key === "__proto__") Object.defineProperty(out, key, { value: String(item), enumerable: true, writable: true, configurable: true });
      else out[key] = String(item);
    }
    return out;
  }

  /**
   * `container`'s "resources". Keys are located only for an error (a closure or a location per
   * rule, made for nothing, cost 100 000 rules more than reading them).
   */
  resources(container: JsonObject): Resources {
    const value = container.resources;
    if (value === undefined) return noResources;
    const object = this.object(value, this.at(container, "resources"), "resources");
    const resources: Resources = {};
    const keyOf = new Map<keyof Resources, string>(); // `wall_time` and `wall-time` name one field
    for (const [key, item] of Object.entries(object)) {
      const field = Object.hasOwn(resourceKeys, key) ? resourceKeys[key] : undefined; // not 'toString' of every object
      if (!field) throw new WorkflowError(this.at(object, key), `unknown resource '${key}' (cores, memory, disk, gpus, wall-time, mpi-processes)`);
      const other = keyOf.get(field);
      if (other !== undefined) throw new WorkflowError(this.at(object, key), `resources give both '${other}' and '${key}', two names of one resource: keep one`);
      keyOf.set(field, key);
      if (typeof item !== "number" || item < 0 || !Number.isFinite(item)) throw new WorkflowError(this.at(object, key), `resource '${key}' must be a non-negative number`);
      resources[field] = item;
    }
    return resources;
  }

  /** `container`'s "inputs" or "outputs" (`what`). */
  files(container: JsonObject, what: "inputs" | "outputs"): FileReference[] {
    const value = container[what];
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw new WorkflowError(this.at(container, what), `${what} must be an array, not ${jsonType(value)}`);
    // a loop, not `map` with a closure (and its context) per list: 200 000 of them for 100 000 rules
    const files = new Array<FileReference>(value.length);
    for (let index = 0; index < value.length; index++) files[index] = this.file(value, index, what);
    return files;
  }

  /** Item `index` of `list`, the "inputs" or "outputs" (`what`) of a rule. */
  private file(list: Json[], index: number, what: "inputs" | "outputs"): FileReference {
    const item = list[index]!;
    const location = this.at(list, index);
    if (typeof item === "string" && item) {
      if (item.includes("\0")) throw nulError(location, what, index);
      return fileNamed(normalizePath(item), this.canonical, location);
    }
    if (item === null || typeof item !== "object" || Array.isArray(item)) {
      throw new WorkflowError(location, `${what}[${index}] must be a file name (a non-empty string) or {"dag_name": local, "task_name": remote}`);
    }
    const object = this.object(item, location, `${what}[${index}]`);
    for (const key of Object.keys(object)) {
      if (key !== "dag_name" && key !== "task_name") throw new WorkflowError(this.at(object, key), `unknown key '${key}' in ${what}[${index}] (dag_name, task_name${olderFileKeys.has(key) ? `; '${key}' is older Makeflow's, now '${olderFileKeys.get(key)}'` : ""})`);
    }
    const local = object.dag_name;
    const remote = object.task_name ?? local;
    if (typeof local !== "string" || typeof remote !== "string" || !local || !remote) {
      throw new WorkflowError(location, `${what}[${index}] needs "dag_name" (and optionally "task_name") strings`);
    }
    if (local.includes("\0") || remote.includes("\0")) throw nulError(location, what, index);
    const remoteName = normalizePath(remote);
    const problem = remoteNameProblem(remoteName);
    if (problem) throw new WorkflowError(location, `${what}[${index}]: task_name '${remote}' cannot name a file in the job's sandbox: ${problem}`);
    return fileNamed(normalizePath(local), this.canonical, location, remoteName);
  }

  categories(value: Json | undefined, where: SourceLocation): Map<string, Category> {
    const categories = new Map<string, Category>([[defaultCategory, { name: defaultCategory, resources: {}, mode: undefined }]]);
    if (value === undefined) return categories;
    const object = this.object(value, where, "categories");
    for (const [name, item] of Object.entries(object)) {
      const category = this.object(item, this.at(object, name), `category '${name}'`);
      for (const key of Object.keys(category)) {
        if (key !== "resources" && key !== "environment") throw new WorkflowError(this.at(category, key), `unknown key '${key}' in category '${name}' (resources, environment)`);
      }
      if (category.environment !== undefined) this.categoryEnvironments.set(name, Object.freeze(this.strings(category.environment, this.at(category, "environment"), `category '${name}' environment`)));
      categories.set(name, { name, resources: { ...this.resources(category) }, mode: undefined }); // its own object, as before
    }
    return categories;
  }

  /** A key that may be absent but, when present, must be a non-empty string. */
  optionalString(object: JsonObject, key: string): string | undefined {
    const value = object[key];
    if (value === undefined) return undefined;
    if (typeof value !== "string" || value === "") throw new WorkflowError(this.at(object, key), `"${key}" must be a non-empty string, not ${jsonType(value)}`);
    return value;
  }

  /**
   * Upstream's rule keys skein reads differently: `"allocation": "first"` is upstream's default
   * and changes nothing; "max" and "error" (retries of auto-sized categories) and `"args"` (JX
   * arguments of a nested workflow) are refused naming what they are, not as unknown keys.
   */
  upstreamOnly(object: JsonObject): void {
    const allocation = object.allocation;
    if (allocation !== undefined && allocation !== "first") {
      const where = this.at(object, "allocation");
      if (typeof allocation !== "string" || !allocations.has(allocation)) throw new WorkflowError(where, '"allocation" must be "first", "max" or "error", as upstream reads it');
      throw new WorkflowError(where, `"allocation": "${allocation}" (upstream's retry of an auto-sized category with larger resources) is not supported: skein runs a rule with the resources it is given; drop the key, or give the rule "resources"`);
    }
    if (object.args !== undefined) {
      const goes = object.workflow === undefined ? ' (and it goes with "workflow", not with "command")' : "";
      throw new WorkflowError(this.at(object, "args"), `"args" (upstream's JX arguments of a nested workflow) is not supported: skein reads plain JSON, without JX expressions to bind them to; write the values into the nested workflow${goes}`);
    }
  }

  rule(value: Json, index: number, rules: Json[], context: RuleContext): Rule {
    const location = this.at(rules, index);
    const object = this.object(value, location, `rules[${index}]`);
    for (const key in object) {
      // a reader's object holds its own keys only (no array of them per rule)
      if (!ruleKeys.has(key)) throw new WorkflowError(this.at(object, key), `unknown key '${key}' in a rule${olderKeys.has(key) ? ` ('${key}' is older Makeflow's, now '${olderKeys.get(key)}')` : ""}`);
    }
    this.upstreamOnly(object);
    const command = this.optionalString(object, "command");
    const workflow = this.optionalString(object, "workflow");
    if ((command === undefined) === (workflow === undefined)) {
      throw new WorkflowError(location, 'a rule needs exactly one of "command" or "workflow" (a non-empty string)');
    }
    const targets = this.files(object, "outputs");
    if (targets.length === 0) throw new WorkflowError(location, 'a rule needs at least one entry in "outputs" (a rule\'s outputs say whether it has run; for a check, make a stamp file: "outputs": ["checked"] with "… && touch checked")');
    const sources = this.files(object, "inputs");
    const named = this.optionalString(object, "category") ?? context.defaultName;
    const category = named ?? defaultCategory;
    if (object.local_job !== undefined && typeof object.local_job !== "boolean") {
      throw new WorkflowError(this.at(object, "local_job"), '"local_job" must be true or false');
    }
    const directory = this.optionalString(object, "directory");
    if (directory !== undefined && workflow === undefined) {
      throw new WorkflowError(this.at(object, "directory"), '"directory" goes with "workflow" (the nested workflow\'s directory), not with "command"');
    }
    if (!context.categories.has(category)) context.categories.set(category, { name: category, resources: {}, mode: undefined });
    const own = this.resources(object);
    const environment = object.environment === undefined ? undefined : this.strings(object.environment, this.at(object, "environment"), "environment");
    const nestedSource = workflow === undefined ? undefined : fileNamed(normalizePath(workflow), this.canonical, location);
    const nestedDirectory = directory === undefined ? undefined : normalizePath(directory);
    const nestedAt = nestedSource && (nestedSource.written === undefined ? { file: nestedSource.path, directory: nestedDirectory } : { file: nestedSource.path, directory: nestedDirectory, written: nestedSource.written });
    // an "environment" (the workflow's, its category's, the rule's) naming CORES, …: the nested run gets it too
    const exportedDefaults = nestedAt && defaultJobVariables.filter((name) => context.environmentNames(named).has(name) || (environment !== undefined && name in environment));
    const nested = nestedAt && (exportedDefaults!.length === 0 ? nestedAt : { ...nestedAt, exportedDefaults });
    if (nestedSource && !sources.some((s) => s.path === nestedSource.path)) sources.push(nestedSource);
    const files = ruleFiles(targets, sources);
    // as in Makeflow text, rules without resources of their own share their category's, frozen
    let ownResources = false;
    for (const _ in own) {
      ownResources = true;
      break;
    }
    const resources = ownResources ? { ...context.resourcesOf(category), ...own } : context.resourcesOf(category);
    return {
      id: index,
      targets: files.targets,
      sources: files.sources,
      command: command ?? `MAKEFLOW ${workflow}`,
      local: object.local_job === true || nested !== undefined,
      category,
      resources,
      environment: context.jobEnvironment(named, resources, ownResources, environment),
      nested,
      location,
    };
  }
}

interface RuleContext {
  categories: Map<string, Category>;
  /** The top-level "default_category": the category of rules that name none. */
  defaultName: string | undefined;
  resourcesOf(category: string): Resources;
  /**
   * A rule's job environment: upstream's defaults (job-environment.ts), the workflow's
   * "environment", its category's, the rule's. Rules of one category without their own resources or environment
   * share one frozen object.
   */
  jobEnvironment(named: string | undefined, resources: Resources, ownResources: boolean, own: Record<string, string> | undefined): Readonly<Record<string, string>>;
  /** The names the workflow's "environment" and its category's give. */
  environmentNames(named: string | undefined): ReadonlySet<string>;
}

/**
 * Parses the JSON form. `environment` gives CORES/MEMORY/DISK defaults as for Makeflow text;
 * `directory` names files as for Makeflow text (`ParseInit`).
 */
export function parseJsonWorkflow(text: string, init: ParseInit): Workflow {
  const document = readJson(text, init.file);
  // a byte that is not UTF-8 was read as U+FFFD: a name 'in\xff' would be looked for as another file
  const replaced = text.indexOf("\ufffd");
  if (replaced >= 0) throw new WorkflowError(document.locate(replaced), "a byte that is not UTF-8 (read as U+FFFD): skein reads workflow files as UTF-8; convert the file (for example with iconv -f latin1 -t utf-8)");
  const reader = new JsonWorkflowReader(document, canonicalizer(init.directory));
  const top = reader.object(document.value, document.locate(0), "a JSON workflow");
  for (const key of Object.keys(top)) {
    if (!["rules", "categories", "environment", "define", "default_category"].includes(key)) throw new WorkflowError(reader.at(top, key), `unknown key '${key}' in a workflow${key === "variables" ? " ('variables' is older Makeflow's names for JX expressions, now 'define'; skein reads plain JSON: evaluate JX first with upstream's jx2json)" : ""}`);
  }
  if (top.define !== undefined) {
    // upstream binds these names for JX expressions; plain JSON holds none, so they change nothing (as with upstream's --json)
    reader.object(top.define, reader.at(top, "define"), '"define" (names for JX expressions)');
  }
  const rules = top.rules;
  if (rules === undefined) throw new WorkflowError(document.locate(0), 'a JSON workflow needs a "rules" array');
  if (!Array.isArray(rules)) throw new WorkflowError(reader.at(top, "rules"), `"rules" must be an array, not ${jsonType(rules)}`);
  const categories = reader.categories(top.categories, reader.at(top, "categories"));
  // upstream's: rules that name no category are in it, and every category falls back on its resources
  const defaultName = reader.optionalString(top, "default_category");
  if (defaultName !== undefined && !categories.has(defaultName)) categories.set(defaultName, { name: defaultName, resources: {}, mode: undefined });
  const fallbackCategory = defaultName ?? defaultCategory;
  const environment = Object.freeze(top.environment === undefined ? {} : reader.strings(top.environment, reader.at(top, "environment"), "environment"));
  const fallback: Resources = {};
  for (const [name, field] of resourceVariables) {
    const value = environmentResource(init.environment?.[name]);
    if (value !== undefined) fallback[field] = value;
  }
  const byCategory = new Map<string, Resources>(); // each category's, worked out once
  const resourcesOf = (name: string): Resources => {
    let resources = byCategory.get(name);
    if (!resources) byCategory.set(name, (resources = Object.freeze({ ...fallback, ...categories.get(fallbackCategory)?.resources, ...categories.get(name)?.resources })));
    return resources;
  };
  const masterThreads = init.environment?.[threadsVariable];
  const build = (named: string | undefined, resources: Resources, own: Record<string, string> | undefined) => {
    const ofCategory = reader.categoryEnvironments.get(named ?? defaultCategory);
    // an OMP_NUM_THREADS the rule, its category, the workflow or the master's environment gives wins over the rule's cores
    const threads = own?.[threadsVariable] ?? ofCategory?.[threadsVariable] ?? environment[threadsVariable] ?? masterThreads;
    return { ...defaultJobEnvironment(named, resources, threads), ...environment, ...ofCategory, ...own };
  };
  const shared = new Map<string, Readonly<Record<string, string>>>(); // by category, and whether the rule named it
  const jobEnvironment: RuleContext["jobEnvironment"] = (named, resources, ownResources, own) => {
    if (ownResources || own !== undefined) return build(named, resources, own);
    const key = named === undefined ? "" : `+${named}`;
    let environment = shared.get(key);
    if (!environment) shared.set(key, (environment = Object.freeze(build(named, resources, undefined))));
    return environment;
  };
  const environmentNames = (named: string | undefined) => new Set([...Object.keys(environment), ...Object.keys(reader.categoryEnvironments.get(named ?? defaultCategory) ?? {})]);
  const context: RuleContext = { categories, defaultName, resourcesOf, jobEnvironment, environmentNames };
  return {
    file: init.file,
    directory: init.directory,
    rules: rules.map((rule, index) => reader.rule(rule, index, rules, context)),
    categories,
    sizeHints: new Map(),
  };
}
