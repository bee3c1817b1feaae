// When a run stops, the rules it takes back say what happened to them: killed while running,
// or dispatched and never started — not a bare `waiting`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { plan } from "../plan/plan.ts";
import { worker } from "../testing/simulated-cluster.ts";
import { Scheduler } from "./scheduler.ts";
import type { SchedulerAction } from "./types.ts";

const independent = (count: number) => plan(parseMakeflow(Array.from({ length: count }, (_, i) => `o${i}:\n\ttouch o${i}`).join("\n"), { file: "w.mf" }), { exists: () => true });
const local = (cores: number, pipelineCores: number) => ({ ...worker("local", cores, { runsLocalRules: true, fastAbort: false }), pipelineCores });

type StateAction = Extract<SchedulerAction, { type: "state" }>;
const waitingOf = (actions: SchedulerAction[]) => actions.filter((a): a is StateAction => a.type === "state" && a.state === "waiting");

/** A scheduler with 6 rules on 2 cores and a queue of 4: tasks of rules 0, 1 run, 2 to 5 are queued. */
function started(): { scheduler: Scheduler; tasks: Map<number, number> } {
  const scheduler = new Scheduler(independent(6), {}, { random: () => 0.5, isDone: () => false });
  scheduler.handle({ type: "executor-joined", executor: local(2, 4) }, 0);
  const tasks = new Map<number, number>();
  for (const action of scheduler.start(0)) if (action.type === "start") tasks.set(action.rule, action.task);
  assert.equal(tasks.size, 6);
  return { scheduler, tasks };
}

test("stop reasons: an interrupt kills the running rules and does not start the queued ones, and each says which", () => {
  const { scheduler } = started();
  const waiting = waitingOf(scheduler.handle({ type: "stop", reason: "interrupted by SIGINT" }, 10));
  assert.deepEqual(
    waiting.map((a) => [a.rule, a.unfinished, a.reason]),
    [
      [0, "killed", "killed: the run stopped (interrupted by SIGINT)"],
      [1, "killed", "killed: the run stopped (interrupted by SIGINT)"],
      ...[2, 3, 4, 5].map((rule) => [rule, "not-started", "not started: the run stopped (interrupted by SIGINT)"]),
    ],
  );
});

test("stop reasons: tasks the driver never gave their executor (the log failed) count as not started", () => {
  const { scheduler, tasks } = started();
  const waiting = waitingOf(scheduler.handle({ type: "stop", reason: "cannot write the transaction log", unstarted: [tasks.get(0)!, tasks.get(1)!] }, 10));
  assert.deepEqual(
    waiting.map((a) => a.unfinished),
    ["not-started", "not-started", "not-started", "not-started", "not-started", "not-started"],
  );
});

test("stop reasons: a rule failing for good drops the queued tasks with the reason the run stopped", () => {
  const { scheduler, tasks } = started();
  const actions = scheduler.handle({ type: "task-finished", task: tasks.get(0)!, outcome: { ok: false, reason: "exit code 3" } }, 10);
  const waiting = waitingOf(actions);
  // rule 2 took rule 0's core before the failure was known: it runs; 3 to 5 are dropped
  assert.deepEqual(waiting.map((a) => a.rule), [3, 4, 5]);
  for (const action of waiting) {
    assert.equal(action.unfinished, "not-started");
    assert.equal(action.reason, "not started: the run stopped (rule 'o0' (w.mf:1:1) failed: exit code 3)");
  }
});

test("stop reasons: a task its executor refuses (elsewhere: inputs over its --disk) while the run stops is not started, not failed", () => {
  const { scheduler, tasks } = started();
  scheduler.handle({ type: "task-finished", task: tasks.get(0)!, outcome: { ok: false, reason: "exit code 3" } }, 10);
  const actions = scheduler.handle({ type: "task-finished", task: tasks.get(1)!, outcome: { ok: false, reason: "its inputs take 2 MB together, more than local's --disk (1 MB)", elsewhere: true, inputBytes: 2_000_000 } }, 11);
  const states = actions.filter((a): a is StateAction => a.type === "state" && a.rule === 1);
  assert.deepEqual(
    states.map((a) => [a.state, a.unfinished, a.reason]),
    [["waiting", "not-started", "not started: the run stopped (rule 'o0' (w.mf:1:1) failed: exit code 3); local could not run it (its inputs take 2 MB together, more than local's --disk (1 MB))"]],
  );
});

test("again: a task its executor stopped for what the tasks beside it took (again) runs again after a backoff, no retry counted; past lostRunsPerRuleMax it fails", () => {
  const scheduler = new Scheduler(independent(1), { lostRunsPerRuleMax: 2 }, { random: () => 0.5, isDone: () => false });
  scheduler.handle({ type: "executor-joined", executor: local(2, 4) }, 0);
  let task = scheduler.start(0).find((a) => a.type === "start")!;
  const outcome = { ok: false, reason: "on the worker, the files in its sandbox … took 3 MB together, more than …: killed", again: true } as const;
  let nowMs = 0;
  for (let round = 1; round <= 2; round++) {
    const actions = scheduler.handle({ type: "task-finished", task: task.type === "start" ? task.task : -1, outcome }, nowMs);
    const retrying = actions.find((a): a is StateAction => a.type === "state" && a.state === "retrying");
    const delayMs = Number(/it runs again in (\d+) ms$/.exec(retrying?.reason ?? "")?.[1]);
    assert.ok(retrying?.reason?.startsWith(`${outcome.reason}; it runs again in `) && delayMs >= 500, retrying?.reason);
    assert.equal(actions.find((a) => a.type === "start"), undefined, "not at once: the tasks beside it have time to end");
    nowMs += delayMs;
    task = scheduler.handle({ type: "tick" }, nowMs).find((a) => a.type === "start")!;
    assert.ok(task, "started again once due");
  }
  const last = scheduler.handle({ type: "task-finished", task: task.type === "start" ? task.task : -1, outcome }, nowMs);
  assert.ok(last.some((a) => a.type === "state" && a.state === "failed"), "the third time it fails");
});

test("stop reasons: a task stopped for what the tasks beside it took (again) while the run stops is killed, not failed", () => {
  const { scheduler, tasks } = started();
  scheduler.handle({ type: "task-finished", task: tasks.get(0)!, outcome: { ok: false, reason: "exit code 3" } }, 10);
  const actions = scheduler.handle({ type: "task-finished", task: tasks.get(1)!, outcome: { ok: false, reason: "on the worker, … took 3 MB together …: killed", again: true } }, 11);
  const states = actions.filter((a): a is StateAction => a.type === "state" && a.rule === 1);
  assert.deepEqual(states.map((a) => [a.state, a.unfinished, a.reason]), [["waiting", "killed", "killed: the run stopped (rule 'o0' (w.mf:1:1) failed: exit code 3); on the worker, … took 3 MB together …: killed"]]);
});
