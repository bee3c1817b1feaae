// skein-io-adapter: reads the files of nested workflows found done, to count their rules.
/**
 * A `MAKEFLOW` rule the log finds done is not run again, so its nested workflow is not read;
 * yet its rules were on the progress bar of the run that made them (a run shows N + M rules,
 * N its own, M its nested workflow's). So that the totals do not jump between runs of the same
 * workflow, a run with a bar reads such a nested workflow (nested deeper too) only to count
 * its rules, all done: a nested workflow done whole had every rule done.
 * Reading costs a parse, so it is bounded: at most `foundDoneReadBytesMax` bytes of nested
 * files per run; past that a `MAKEFLOW` rule found done counts as one rule, as before.
 * The alternative rejected: remembering the count in the log (another line format for one
 * number on the bar).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { parseWorkflow } from "../language/parse-workflow.ts";
import { nestedFileReading } from "../plan/nested-file.ts";
import { absolutePath } from "../paths.ts";
import type { NestedWorkflow } from "../workflow.ts";
import type { Loaded } from "./run-flow.ts";
import { nestedRunInit, nestingDepthMax, type RunInit, shownFile } from "./run-options.ts";

/**
 * Bytes of nested workflow files a run reads to count the rules of `MAKEFLOW` rules found done:
 * about 45 000 rules, a quarter of a second of parsing (100 000 rules, 2 MB, take half a
 * second, paid on every rerun for a number on the bar).
 */
export const foundDoneReadBytesMax = 1024 * 1024;

/** What is left of a run's reading budget, shared by every nested workflow it counts. */
export interface ReadBudget {
  bytes: number;
}

/**
 * The rules of the nested workflow `nested` runs (its own, a `MAKEFLOW` rule counted as its
 * nested workflow's rules, nested deeper too), read from `directory` (the enclosing run's), or undefined when it cannot be read
 * within the budget (too large, gone, a workflow error).
 */
export function nestedRuleCount(directory: string, nested: NestedWorkflow, init: RunInit, budget: ReadBudget, depth = 1): number | undefined {
  if (depth > nestingDepthMax) return undefined;
  const nestedInit = nestedRunInit(directory, nestedFileReading(nested, (path) => existsSync(absolutePath(directory, path))), init);
  const size = statSync(nestedInit.file, { throwIfNoEntry: false })?.size;
  if (size === undefined || size > budget.bytes) return undefined;
  budget.bytes -= size;
  let rules: ReturnType<typeof parseWorkflow>["rules"];
  try {
    rules = parseWorkflow(readFileSync(nestedInit.file, "utf8"), { file: shownFile(nestedInit), environment: init.environment ?? process.env, directory: nestedInit.directory! }).rules;
  } catch {
    return undefined;
  }
  // a MAKEFLOW rule counts as its nested rules, as on the bar (progress-tally.ts); as one when they cannot be read
  let count = rules.length;
  for (const rule of rules) {
    if (rule.nested !== undefined) count += (nestedRuleCount(nestedInit.directory!, rule.nested, nestedInit, budget, depth + 1) ?? 1) - 1;
  }
  return count;
}

/**
 * The rules of each nested workflow whose `MAKEFLOW` rule is in `complete` (found done), by
 * that rule, as far as one run's budget reads.
 */
export function foundDoneNestedCounts(loaded: Loaded, complete: ReadonlySet<number>, init: RunInit): Array<[rule: number, count: number]> {
  const budget = { bytes: foundDoneReadBytesMax };
  const counts: Array<[number, number]> = [];
  for (const rule of complete) {
    const nested = loaded.plan.workflow.rules[rule]!.nested;
    if (nested === undefined) continue;
    const count = nestedRuleCount(loaded.directory, nested, init, budget);
    if (count !== undefined) counts.push([rule, count]);
  }
  return counts;
}
