// An executor whose queue the scheduler cannot reckon (a batch system's: Slurm) says when each
// task's command starts (`startsReported`, `task-running`): until then the task is queued, not
// started — no `started` action, not counted as running, `not started` when the run stops, its
// duration counted from its start, not its submission.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { plan } from "../plan/plan.ts";
import { worker } from "../testing/simulated-cluster.ts";
import { Scheduler } from "./scheduler.ts";
import type { SchedulerAction } from "./types.ts";

const independent = (count: number) => plan(parseMakeflow(Array.from({ length: count }, (_, i) => `o${i}:\n\ttouch o${i}`).join("\n"), { file: "w.mf" }), { exists: () => true });
const batchSystem = worker("slurm", 10_000, { fastAbort: false, startsReported: true });

type StateAction = Extract<SchedulerAction, { type: "state" }>;
const states = (actions: SchedulerAction[], state: string) => actions.filter((a): a is StateAction => a.type === "state" && a.state === state);
const startedRules = (actions: SchedulerAction[]) => actions.filter((a) => a.type === "started").map((a) => (a as { rule: number }).rule);

/** Three rules submitted at 0 to an executor that reports starts; `reportStarts` on, as with --json. */
function submitted(): { scheduler: Scheduler; tasks: number[]; actions: SchedulerAction[] } {
  const scheduler = new Scheduler(independent(3), { reportStarts: true }, { random: () => 0.5, isDone: () => false });
  scheduler.handle({ type: "executor-joined", executor: batchSystem }, 0);
  const actions = scheduler.start(0);
  const tasks = actions.flatMap((a) => (a.type === "start" ? [a.task] : []));
  assert.equal(tasks.length, 3);
  return { scheduler, tasks, actions };
}

test("reported starts: a submitted task is queued, not started, until its executor says it runs; then `started` at that time", () => {
  const { scheduler, tasks, actions } = submitted();
  assert.deepEqual(startedRules(actions), []);
  assert.deepEqual(scheduler.dispatchCounts(), { running: 0, queued: 3 });
  assert.deepEqual(startedRules(scheduler.handle({ type: "task-running", task: tasks[1]! }, 5_000)), [1]);
  assert.deepEqual(scheduler.dispatchCounts(), { running: 1, queued: 2 });
  // said again (a second poll): nothing new
  assert.deepEqual(startedRules(scheduler.handle({ type: "task-running", task: tasks[1]! }, 6_000)), []);
  // its duration counts from its start, not its submission
  const done = states(scheduler.handle({ type: "task-finished", task: tasks[1]!, outcome: { ok: true } }, 7_000), "done");
  assert.equal(done[0]?.durationMs, 2_000);
});

test("reported starts: a stop kills the tasks that started and lists the others as not started", () => {
  const { scheduler, tasks } = submitted();
  scheduler.handle({ type: "task-running", task: tasks[0]! }, 1_000);
  const waiting = states(scheduler.handle({ type: "stop", reason: "interrupted by SIGINT" }, 2_000), "waiting");
  assert.deepEqual(
    waiting.map((a) => [a.rule, a.unfinished]),
    [
      [0, "killed"],
      [1, "not-started"],
      [2, "not-started"],
    ],
  );
});

test("reported starts: a rule failing for good drops the tasks still queued in the batch system, and leaves the started ones running", () => {
  const { scheduler, tasks } = submitted();
  scheduler.handle({ type: "task-running", task: tasks[0]! }, 1_000);
  scheduler.handle({ type: "task-running", task: tasks[1]! }, 1_000);
  const actions = scheduler.handle({ type: "task-finished", task: tasks[0]!, outcome: { ok: false, reason: "exit code 3" } }, 2_000);
  assert.deepEqual(
    states(actions, "waiting").map((a) => [a.rule, a.unfinished]),
    [[2, "not-started"]],
  );
  assert.deepEqual(actions.filter((a) => a.type === "abort").map((a) => (a as { rule: number }).rule), [2]);
});
