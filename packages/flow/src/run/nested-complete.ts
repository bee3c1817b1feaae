// skein-io-adapter: reads nested workflow files and their logs to decide whether they are complete.
/**
 * Whether a `MAKEFLOW` rule the log shows done is still complete. Its own sources (the nested
 * file) are not all that its nested workflow reads: an input of a nested rule, or a file nested
 * deeper, may have changed since, and the log around it cannot see that. So the nested
 * workflow is loaded with its own log and decides as its run would: the rule is complete only
 * when every nested rule is (nested deeper too). Otherwise it runs, and its nested run reruns
 * what changed. The cost is reading the nested workflows and their logs, as their runs' own
 * "nothing to do" would. What is read gives the progress bar its count of a complete nested
 * workflow's rules too (`nestedRuleCounts`): a run shows N + M rules whether the log found the
 * `MAKEFLOW` rule done or it ran.
 * The alternative rejected: upstream's reading, where a nested workflow found done is not
 * entered — an edited input of a nested rule left its stale output in place, with "nothing to do".
 */
import { statSync } from "node:fs";
import type { Rule } from "../workflow.ts";
import type { Loaded } from "./run-flow.ts";
import { nestedRunInit, nestingDepthMax, type RunInit, workflowLogPath } from "./run-options.ts";

/** What deciding needs from run-flow.ts (given, not imported: run-flow.ts imports this file). */
export interface CompletionReader {
  load(init: RunInit): Loaded;
  completed(loaded: Loaded, init: RunInit): ReadonlySet<number>;
}

/** The rules of each complete nested workflow of a run, by its `MAKEFLOW` rule: see `nestedRuleCounts`. */
const ruleCounts = new WeakMap<ReadonlySet<number>, ReadonlyMap<number, number>>();

/** Notes, with the complete rules of a run, the rule counts of their nested workflows. */
export function rememberNestedRuleCounts(complete: ReadonlySet<number>, counts: ReadonlyMap<number, number>): void {
  if (counts.size > 0) ruleCounts.set(complete, counts);
}

/**
 * For each complete `MAKEFLOW` rule among `complete` (as `completedRules` found them), the rules of its
 * nested workflow as the progress bar counts them: a `MAKEFLOW` rule as its nested workflow's rules, nested deeper too.
 */
export function nestedRuleCounts(complete: ReadonlySet<number>): ReadonlyMap<number, number> {
  return ruleCounts.get(complete) ?? new Map();
}

/**
 * The rules of `rule`'s nested workflow (counted as `nestedRuleCounts` does) when every one
 * is complete; undefined when one is not, or it cannot be read (its run will say why).
 */
export function nestedComplete(loaded: Loaded, rule: Rule, init: RunInit, reader: CompletionReader): number | undefined {
  const nestedInit = nestedRunInit(loaded.directory, rule, init, loaded.logPath);
  const enclosing = nestedInit.enclosing!;
  if (enclosing.length >= nestingDepthMax || enclosing.includes(workflowLogPath(nestedInit.file, nestedInit.directory!))) return undefined;
  // not a file to read (gone, a pipe that would block the read): its run says why
  if (!statSync(nestedInit.file, { throwIfNoEntry: false })?.isFile()) return undefined;
  let nested: Loaded;
  let complete: ReadonlySet<number>;
  try {
    nested = reader.load(nestedInit);
    complete = reader.completed(nested, nestedInit);
  } catch {
    return undefined;
  }
  const rules = nested.plan.workflow.rules.length;
  if (complete.size !== rules) return undefined;
  let count = rules;
  for (const nestedCount of nestedRuleCounts(complete).values()) count += nestedCount - 1;
  return count;
}
