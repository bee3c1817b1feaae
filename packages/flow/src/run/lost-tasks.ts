/**
 * What the master says once when an executor (a worker) leaves with tasks: whether they run
 * elsewhere — another executor connected may run them and is large enough — or wait for a
 * worker that can (none connected: the only worker died; or those connected are too small).
 * The scheduler queues them again either way; this only tells the user which.
 */
import { fits, needOf, needOn } from "../schedule/capacity.ts";
import type { ExecutorInfo } from "../schedule/types.ts";
import type { Rule } from "../workflow.ts";

/** Whether `info` may run `rule` (LOCAL rules only on this machine) and is large enough for it. */
function canRun(info: ExecutorInfo, rule: Rule): boolean {
  if (!(rule.local ? info.runsLocalRules : info.runsRemoteRules)) return false;
  return fits(needOn(needOf(rule.resources), info), info.capacity);
}

/**
 * `its 9 tasks run elsewhere`, `its 9 tasks wait for a worker to connect`, `its 9 tasks wait for
 * a worker that can run them`, or both counts (`its 9 tasks: 6 run elsewhere, 3 wait for …`).
 * `lost`: the rules its tasks ran (at least one); `others`: the executors still connected.
 */
export function lostTasksFate(lost: readonly Rule[], others: readonly ExecutorInfo[]): string {
  const elsewhere = lost.filter((rule) => others.some((info) => canRun(info, rule))).length;
  const waiting = lost.length - elsewhere;
  const tasks = lost.length === 1 ? "its task" : `its ${lost.length} tasks`;
  if (waiting === 0) return `${tasks} ${lost.length === 1 ? "runs" : "run"} elsewhere`;
  const them = waiting === 1 ? "it" : "them";
  if (elsewhere > 0) return `${tasks}: ${elsewhere} run elsewhere, ${waiting} ${waiting === 1 ? "waits" : "wait"} for a worker that can run ${them}`;
  // none connected runs rules of their kind (remote, or LOCAL) at all: the only worker left
  const none = !lost.some((rule) => others.some((info) => (rule.local ? info.runsLocalRules : info.runsRemoteRules)));
  return `${tasks} ${waiting === 1 ? "waits" : "wait"} for ${none ? "a worker to connect" : `a worker that can run ${them}`}`;
}
