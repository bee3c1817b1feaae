/**
 * Which executor a ready task goes to: the first (in join order) that may run it and has its
 * resources free; else the first with room in its queue (`pipelineCores`). A rule fast-aborted
 * on an executor avoids it while another executor may run it: one large enough for it (a rule
 * avoiding the only worker with its cores would otherwise wait forever). `allows`, when given, filters the
 * executors for this task (a disk that holds its inputs: `disk-waits.ts`).
 */
import { fits } from "./capacity.ts";
import type { ExecutorState } from "./executor-tasks.ts";
import type { ResourceClass } from "./ready-queue.ts";

/** LOCAL rules run only on the master's machine; the others where the executor takes them. */
export function mayRun(executor: ExecutorState, resourceClass: ResourceClass): boolean {
  return resourceClass.local ? executor.info.runsLocalRules : executor.info.runsRemoteRules;
}

export function chooseExecutor(executors: ReadonlyMap<string, ExecutorState>, resourceClass: ResourceClass, avoid: string | undefined, allows?: (executor: ExecutorState) => boolean): ExecutorState | undefined {
  let avoided: ExecutorState | undefined;
  let alternatives = 0;
  for (const executor of executors.values()) {
    if (!mayRun(executor, resourceClass) || (allows && !allows(executor))) continue;
    if (executor.info.id === avoid) {
      avoided = executor;
      continue;
    }
    if (fits(resourceClass.need, executor.info.capacity)) alternatives++;
    if (fits(resourceClass.need, executor.free)) return executor;
  }
  if (avoided && alternatives === 0 && fits(resourceClass.need, avoided.free)) return avoided;
  return choosePipelined(executors, resourceClass, avoid, allows);
}

/** An executor that queues tasks (pipelineCores) and has room in its queue for this one. */
function choosePipelined(executors: ReadonlyMap<string, ExecutorState>, resourceClass: ResourceClass, avoid: string | undefined, allows?: (executor: ExecutorState) => boolean): ExecutorState | undefined {
  const need = resourceClass.need;
  for (const executor of executors.values()) {
    const slack = executor.info.pipelineCores ?? 0;
    if (slack === 0 || !mayRun(executor, resourceClass) || executor.info.id === avoid || (allows && !allows(executor))) continue;
    const { free, info } = executor;
    if (!fits(need, info.capacity)) continue;
    if (need.cores <= free.cores + slack && need.memoryMb <= free.memoryMb && need.diskMb <= free.diskMb && need.gpus <= free.gpus) return executor;
  }
  return undefined;
}
