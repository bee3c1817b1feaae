/**
 * Whether a `MAKEFLOW` rule the log shows done is still complete. Its own sources (the nested
 * file) are not all that its nested workflow reads: an input of a nested rule, or a file nested
 * deeper, may have changed since, and the log around it cannot see that. So the nested
 * workflow is loaded with its own log and decides as its run would: the rule is complete only
 * when every nested rule is (nested deeper too). Otherwise it runs, and its nested run reruns
 * what changed. The cost is reading the nested workflows and their logs, as their runs' own
 * "nothing to do" would.
 * The alternative rejected: upstream's reading, where a nested workflow found done is not
 * entered — an edited input of a nested rule left its stale output in place, with "nothing to do".
 */
import type { Rule } from "../workflow.ts";
import type { Loaded } from "./run-flow.ts";
import { nestedRunInit, nestingDepthMax, type RunInit, workflowLogPath } from "./run-options.ts";

/** What deciding needs from run-flow.ts (given, not imported: run-flow.ts imports this file). */
export interface CompletionReader {
  load(init: RunInit): Loaded;
  completed(loaded: Loaded, init: RunInit): ReadonlySet<number>;
}

/** Whether every rule of `rule`'s nested workflow is complete; false when it cannot be read (its run will say why). */
export function nestedComplete(loaded: Loaded, rule: Rule, init: RunInit, reader: CompletionReader): boolean {
  const nestedInit = nestedRunInit(loaded.directory, rule.nested!, init, loaded.logPath);
  const enclosing = nestedInit.enclosing!;
  if (enclosing.length >= nestingDepthMax || enclosing.includes(workflowLogPath(nestedInit.file, nestedInit.directory!))) return false;
  try {
    const nested = reader.load(nestedInit);
    return reader.completed(nested, nestedInit).size === nested.plan.workflow.rules.length;
  } catch {
    return false;
  }
}
