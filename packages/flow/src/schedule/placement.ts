/**
 * Which executor a ready task goes to: the first (in join order) that may run it and has its
 * resources free; else the first with room in its queue (`pipelineCores`). A rule fast-aborted
 * on an executor avoids it while another executor may run it: one large enough for it (a rule
 * avoiding the only worker with its cores would otherwise wait forever). `allows`, when given, filters the
 * executors for this task (a disk that holds its inputs: `disk-waits.ts`).
 */
import { fits, needOn } from "./capacity.ts";
import type { ExecutorState, Task } from "./executor-tasks.ts";
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
    const need = needOn(resourceClass.need, executor.info);
    if (fits(need, executor.info.capacity)) alternatives++;
    if (fits(need, executor.free)) return executor;
  }
  if (avoided && alternatives === 0 && fits(needOn(resourceClass.need, avoided.info), avoided.free)) return avoided;
  return choosePipelined(executors, resourceClass, avoid, allows);
}

/** Whether an executor other than the task's may run it and could hold it (`allows`: its disk holds the inputs). */
export function elsewhere(executors: ReadonlyMap<string, ExecutorState>, task: Task, allows: (executor: ExecutorState) => boolean): boolean {
  for (const executor of executors.values()) {
    if (executor.info.id !== task.executor.info.id && mayRun(executor, task.resourceClass) && fits(needOn(task.resourceClass.need, executor.info), executor.info.capacity) && allows(executor)) return true;
  }
  return false;
}

/** An executor that queues tasks (pipelineCores) and has room in its queue for this one. */
function choosePipelined(executors: ReadonlyMap<string, ExecutorState>, resourceClass: ResourceClass, avoid: string | undefined, allows?: (executor: ExecutorState) => boolean): ExecutorState | undefined {
  for (const executor of executors.values()) {
    const slack = executor.info.pipelineCores ?? 0;
    if (slack === 0 || !mayRun(executor, resourceClass) || executor.info.id === avoid || (allows && !allows(executor))) continue;
    const { free, info } = executor;
    const need = needOn(resourceClass.need, info);
    if (!fits(need, info.capacity)) continue;
    if (need.cores <= free.cores + slack && need.memoryMb <= free.memoryMb && need.diskMb <= free.diskMb && need.gpus <= free.gpus) return executor;
  }
  return undefined;
}
