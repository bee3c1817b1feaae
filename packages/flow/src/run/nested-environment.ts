/**
 * The environment of a nested workflow's run. Upstream Makeflow runs a nested makeflow as a
 * job of its `MAKEFLOW` rule, so the nested workflow (its `$(X)`) and its jobs see the
 * variables that rule exports; skein runs it in this process, so it hands them on: the nested
 * run parses its workflow with the enclosing run's environment plus them, and each of its jobs
 * gets them beneath its own rule's environment (the jobs' launcher adds this process's).
 * The variables every job gets whether exported or not (CATEGORY, CORES, MEMORY, DISK, GPUS,
 * OMP_NUM_THREADS: job-environment.ts) describe the `MAKEFLOW` rule's own reservation: handed on,
 * every nested rule would take them as its resources and threads. They go only when the
 * workflow exported them itself (`NestedWorkflow.exportedDefaults`).
 */
import { defaultJobVariables } from "../language/job-environment.ts";
import type { Rule, Workflow } from "../workflow.ts";

/** What a `MAKEFLOW` rule hands its nested run: its exported variables, without the defaults it did not export. */
export function nestedExports(rule: Rule): Readonly<Record<string, string>> {
  const exported = rule.nested?.exportedDefaults ?? [];
  const handed: Record<string, string> = {};
  for (const [name, value] of Object.entries(rule.environment)) {
    if (!defaultJobVariables.includes(name) || exported.includes(name)) handed[name] = value;
  }
  return handed;
}

/** The variables a run's jobs get from the `MAKEFLOW` rules around it: the outer ones', then the inner rule's over them. */
export function nestedJobEnvironment(outer: Readonly<Record<string, string>> | undefined, rule: Rule): Readonly<Record<string, string>> | undefined {
  const handed = nestedExports(rule);
  if (Object.keys(handed).length === 0) return outer;
  return { ...outer, ...handed };
}

/**
 * The workflow with `base` beneath every rule's environment (its own variables win). Rules
 * sharing one environment object share the new one too (100 000 rules, a few objects).
 */
export function withJobEnvironment(workflow: Workflow, base: Readonly<Record<string, string>> | undefined): Workflow {
  if (base === undefined || Object.keys(base).length === 0) return workflow;
  const merged = new Map<Readonly<Record<string, string>>, Readonly<Record<string, string>>>();
  const rules = workflow.rules.map((rule) => {
    let environment = merged.get(rule.environment);
    if (!environment) merged.set(rule.environment, (environment = Object.freeze({ ...base, ...rule.environment })));
    return { ...rule, environment };
  });
  return { ...workflow, rules };
}
