/**
 * Two `MAKEFLOW` rules that run the same nested workflow file in the same directory, neither
 * waiting for the other, would run it twice at once on the same files and the same log: the
 * second stopped on the log's lock, with advice (wait, or remove the lock) meant for two skein
 * processes. Said when the workflow is loaded instead, naming both rules. One after the other
 * (a rule waiting, directly or not, for the other) is fine: the second finds its work done.
 */
import { formatLocation, WorkflowError } from "../language/errors.ts";
import { writtenPath } from "../language/canonical-path.ts";
import type { Plan } from "../plan/plan.ts";
import type { Rule } from "../workflow.ts";
import { workflowPlace } from "./run-files.ts";
import { nestedRunInit, type RunInit, shownDirectory, shownFile, workflowLogPath } from "./run-options.ts";

/** Throws a WorkflowError at the later of two nested rules that would run one workflow at once. */
export function checkNestedConflicts(planned: Plan, directory: string, init: RunInit): void {
  const byRun = new Map<string, number[]>();
  for (const rule of planned.workflow.rules) {
    if (rule.nested === undefined) continue;
    const place = workflowPlace(nestedRunInit(directory, rule, init));
    const key = workflowLogPath(place.file, place.directory);
    const rules = byRun.get(key);
    if (rules === undefined) byRun.set(key, [rule.id]);
    else rules.push(rule.id);
  }
  for (const rules of byRun.values()) {
    for (let later = 1; later < rules.length; later++) {
      for (let earlier = 0; earlier < later; earlier++) {
        const [a, b] = [rules[earlier]!, rules[later]!];
        if (waitsFor(planned, a, b) || waitsFor(planned, b, a)) continue;
        const [first, second] = [planned.workflow.rules[a]!, planned.workflow.rules[b]!];
        const [firstName, secondName] = [runName(first, directory, init), runName(second, directory, init)];
        // one run, perhaps spelled two ways (`sub.mf`, `./sub.mf`): each rule's as it wrote it
        const runs = firstName === secondName ? `both run ${firstName}` : `run ${firstName} and ${secondName}, the same workflow in the same directory`;
        throw new WorkflowError(second.location, `rules ${named(first)} and ${named(second)} ${runs}, and neither waits for the other: they would run it twice at once, on the same files and log; make one depend on the other, or keep one`);
      }
    }
  }
}

const named = (rule: Rule) => `'${writtenPath(rule.targets[0]!)}' (${formatLocation(rule.location)})`;

/** `sub/s.mf in sub/d`: the rule's file and directory as the user would name them from where skein started (`shownFile`). */
function runName(rule: Rule, directory: string, init: RunInit): string {
  const nestedInit = nestedRunInit(directory, rule, init);
  const given = rule.nested!.directory;
  return given === undefined || given === "." ? shownFile(nestedInit) : `${shownFile(nestedInit)} in ${shownDirectory(nestedInit)}`;
}

/** Whether `rule` waits, directly or through other rules, for `other` (a walk of its dependencies, each rule once). */
function waitsFor(planned: Plan, rule: number, other: number): boolean {
  const seen = new Set<number>([rule]);
  const stack = [rule];
  while (stack.length > 0) {
    for (const dependency of planned.dependencies[stack.pop()!]!) {
      if (dependency === other) return true;
      if (!seen.has(dependency)) {
        seen.add(dependency);
        stack.push(dependency);
      }
    }
  }
  return false;
}
