/**
 * Work stealing. An executor with a queue (`pipelineCores`) takes more tasks than it has cores,
 * so the first worker to join can take every ready task while a worker joining later, or one
 * that ran out of work, sits idle. So an executor left with free cores after dispatch (no ready
 * task fits it) takes a task still queued on another executor: that task is aborted there and
 * started here at once.
 *
 * Which one: the one that would wait longest, i.e. with the most cores' worth of tasks ahead of
 * it per core of its executor (durations are unknown; executors start their queue in order).
 * Only tasks the scheduler counts as not started are candidates; one may in fact have started
 * if its executor's report of the task ahead of it is still on its way — the abort then kills
 * it there, and its outcome is ignored, as after a fast abort. A task is moved at most once,
 * and only to an executor where it starts at once, so tasks never go back and forth.
 *
 * The rejected alternative, sending fewer tasks ahead, gives up the pipeline's point (a worker
 * always has its next task at hand) to fix what only matters when an executor is idle.
 */
import { fits, needOn } from "./capacity.ts";
import type { ExecutorState, Task } from "./executor-tasks.ts";

/**
 * The queued task `thief` should take now, if any: it fits the thief's free resources, the thief
 * may run it (`mayRun`), it was never moved, and it would wait longest where it is.
 */
export function taskToMove(executors: Iterable<ExecutorState>, thief: ExecutorState, mayRun: (task: Task) => boolean): Task | undefined {
  let chosen: Task | undefined;
  let chosenWait = -1;
  for (const victim of executors) {
    // cores are the only resource queued tasks overcommit: none is queued while cores remain
    if (victim === thief || victim.free.cores >= 0) continue;
    const cores = victim.info.capacity.cores;
    let coresAhead = 0;
    for (const task of victim.tasks) {
      const need = needOn(task.resourceClass.need, thief.info);
      if (task.startedMs === undefined && !task.moved && coresAhead / cores > chosenWait && fits(need, thief.free) && mayRun(task)) {
        chosen = task;
        chosenWait = coresAhead / cores;
      }
      coresAhead += Math.max(1, need.cores);
    }
  }
  return chosen;
}
