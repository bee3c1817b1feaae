/**
 * The directories a task's outputs go into, made in its sandbox before its command starts, as
 * they are in the master's directory: `sub/out.txt` with `sub` a directory there ran with
 * `-T local` and failed on a worker ("No such file or directory"), a trap upstream Makeflow has
 * too. A parent that is itself one of the task's outputs, or inside one (`mydir` of a rule
 * listing `mydir/1.txt mydir`), is the command's to make: made here, its `mkdir mydir` would fail.
 */
import { dirname } from "node:path";

/** Parents made per task at most: a rule with more distinct output directories makes the rest itself. */
export const outputParentsMax = 10_000;

/** The output directories to make (sandbox-relative, deepest names only: each made with its own parents). */
export function outputParents(outputs: readonly string[]): string[] {
  const outputSet = new Set(outputs);
  const insideAnOutput = (path: string): boolean => {
    for (let at = path; at !== "." && at !== "/" && at !== ""; at = dirname(at)) if (outputSet.has(at)) return true;
    return false;
  };
  const parents = new Set<string>();
  for (const output of outputs) {
    const parent = dirname(output);
    if (parent === "." || parent === "/" || parents.has(parent) || insideAnOutput(parent)) continue;
    parents.add(parent);
    if (parents.size >= outputParentsMax) break;
  }
  return [...parents];
}
