// A retrying rule says when it is ready again as a number (`retryInMs`, for --json readers),
// the same delay its reason says in words (`retry in 1064 ms`), and the retry comes then.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { plan } from "../plan/plan.ts";
import { worker } from "../testing/simulated-cluster.ts";
import { Scheduler } from "./scheduler.ts";
import type { SchedulerAction } from "./types.ts";

type StateAction = Extract<SchedulerAction, { type: "state" }>;
const retryingOf = (actions: SchedulerAction[]) => actions.find((a): a is StateAction => a.type === "state" && a.state === "retrying");

function oneRule(): { scheduler: Scheduler; task: number } {
  const scheduler = new Scheduler(plan(parseMakeflow("o:\n\ttouch o", { file: "w.mf" }), { exists: () => true }), { retryCount: 2, lostRunsPerRuleMax: 2 }, { random: () => 0.25, isDone: () => false });
  scheduler.handle({ type: "executor-joined", executor: worker("w", 2) }, 0);
  const start = scheduler.start(0).find((a) => a.type === "start");
  assert.ok(start?.type === "start");
  return { scheduler, task: start.task };
}

for (const [kind, outcome, words] of [
  ["a failed attempt", { ok: false, reason: "exit code 1" }, /^exit code 1; retry in (\d+) ms$/],
  ["a task stopped for what the tasks beside it took (again)", { ok: false, reason: "…: killed", again: true }, /^…: killed; it runs again in (\d+) ms$/],
] as const) {
  test(`retry delay: ${kind} is retrying with retryInMs, the delay its reason says, and is started again then`, () => {
    const { scheduler, task } = oneRule();
    const retrying = retryingOf(scheduler.handle({ type: "task-finished", task, outcome }, 1_000));
    assert.ok(retrying?.retryInMs !== undefined && retrying.retryInMs > 0, JSON.stringify(retrying));
    assert.equal(Number(words.exec(retrying.reason ?? "")?.[1]), retrying.retryInMs, retrying.reason);
    assert.equal(scheduler.handle({ type: "tick" }, 1_000 + retrying.retryInMs - 1).find((a) => a.type === "start"), undefined);
    assert.ok(scheduler.handle({ type: "tick" }, 1_000 + retrying.retryInMs + 1).find((a) => a.type === "start"));
  });
}
