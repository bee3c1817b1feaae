/**
 * `--dry-run`: the rules a run would refuse (no executor it starts with could ever run them,
 * and none that could may join: run/refusals.ts), found as the run finds them — its scheduler,
 * fed the executors the run starts with (this machine; Slurm's one executor with `-T slurm`),
 * refuses them at its start. A run that refuses a rule stops there, before any rule runs; the
 * dry run says so in the run's own words and exits 1, as the run would.
 */
import type { GpuCount } from "../executors/local-gpus.ts";
import { Scheduler } from "../schedule/scheduler.ts";
import type { ExecutorInfo } from "../schedule/types.ts";
import { type LocalMachine, localExecutorInfo } from "./execute.ts";
import { Refusals, withGpuSource } from "./refusals.ts";
import type { Loaded } from "./run-flow.ts";
import type { RunInit } from "./run-options.ts";

export interface PredictedRefusals {
  /** Each rule the run would refuse, with the reason its `refused` event would give. */
  readonly reasons: ReadonlyMap<number, string>;
  /** What the run would say on standard error: a line per refusal, then that it would stop. */
  readonly lines: readonly string[];
}

/**
 * The rules a run of `loaded` would refuse at its start, or undefined when it would refuse
 * none. `gpuCount`: this machine's GPUs, as the run counts them (asked only when a rule needs some).
 */
export async function predictRefusals(loaded: Loaded, complete: ReadonlySet<number>, init: RunInit, local: LocalMachine, gpuCount: () => GpuCount): Promise<PredictedRefusals | undefined> {
  const rules = loaded.plan.workflow.rules;
  const target = init.target ?? "local";
  const gpus = rules.some((rule) => (rule.resources.gpus ?? 0) > 0) ? gpuCount() : { gpus: 0, source: "no rule needs any" };
  // no retry, no time: only the refusals of its first step are read, before anything would run
  const scheduler = new Scheduler(loaded.plan, { executorsMayJoin: target === "workers" }, { random: () => 0, isDone: (rule) => complete.has(rule) });
  const executors: ExecutorInfo[] = [];
  // the back end's executors join before this machine's, as in execute.ts
  if (target === "slurm") executors.push((await import("../executors/slurm-back-end.ts")).slurmExecutorInfo);
  executors.push(localExecutorInfo(local, target === "local", gpus));
  for (const executor of executors) scheduler.handle({ type: "executor-joined", executor }, 0);
  const refusals = new Refusals(rules);
  const lines: string[] = [];
  let stop: string | undefined;
  for (const action of scheduler.start(0)) {
    if (action.type === "finished") stop = action.reason;
    if (action.type !== "state") continue;
    if (action.state === "running") refusals.running(action.rule);
    if (action.state !== "failed" || !refusals.isRefusal(action.rule, action.executorId)) continue;
    const reason = withGpuSource(action.reason ?? "", gpus);
    const refused = refusals.refuse(action.rule, action.reason ?? "", (other) => scheduler.stateOf(other), reason);
    lines.push(`skein flow: ${refusals.describe(refused, reason)}\n`);
  }
  if (refusals.size === 0) return undefined;
  lines.push(`skein flow: --dry-run: a run would stop before running any rule: ${refusals.stopReason(stop)}\n`);
  const reasons = new Map<number, string>();
  for (let rule = 0; rule < rules.length; rule++) if (refusals.has(rule)) reasons.set(rule, refusals.reasonOf(rule)!);
  return { reasons, lines };
}
