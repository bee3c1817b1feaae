// `attempt` in a rule's states (the log's and --json's) counts its attempts as --retry-count
// does: a rerun after its executor left (or a move, work-stealing.test.ts) is the same attempt;
// a failure retried makes the next one. A `start` action's `attempt` counts every start.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { plan } from "../plan/plan.ts";
import { simulate, worker } from "../testing/simulated-cluster.ts";

const one = plan(parseMakeflow("o:\n\ttouch o", { file: "w.mf" }), { exists: () => true });

test("attempts: a rule rerun after its worker left keeps its attempt; a retried failure is the next attempt", () => {
  const result = simulate(one, {
    seed: 5,
    scheduler: { executorsMayJoin: true, retryCount: 2, backoff: { initialMs: 10 } },
    executors: [{ atMs: 0, executor: worker("w1", 1) }, { atMs: 0, executor: worker("w2", 1) }],
    departures: [{ atMs: 5, executorId: "w1" }],
    // the first start is lost with w1; the second fails; the third succeeds
    behaviour: ({ attempt }) => ({ durationMs: 20, outcome: attempt === 2 ? { ok: false, reason: "exit code 1" } : { ok: true } }),
  });
  assert.equal(result.ok, true);
  const states = result.actions.flatMap((a) => (a.type === "state" ? [`${a.state} ${a.attempt}`] : []));
  assert.deepEqual(states, ["ready 0", "running 1", "ready 1", "running 1", "retrying 1", "ready 1", "running 2", "done 2"]);
  assert.deepEqual(result.actions.flatMap((a) => (a.type === "start" ? [a.attempt] : [])), [1, 2, 3], "a start's attempt counts every start");
});

test("stop: rules still ready or retrying when a failure stops the run end waiting, not started, said for --json only", () => {
  const three = plan(parseMakeflow("a:\n\tx\nb:\n\tx\nc:\n\tx", { file: "w.mf" }), { exists: () => true });
  const result = simulate(three, {
    seed: 6,
    scheduler: { executorsMayJoin: true },
    executors: [{ atMs: 0, executor: worker("w1", 1) }],
    behaviour: () => ({ durationMs: 5, outcome: { ok: false, reason: "exit code 1" } }),
  });
  assert.equal(result.ok, false);
  for (const rule of [1, 2]) {
    const last = result.actions.filter((a) => a.type === "state" && a.rule === rule).at(-1);
    assert.deepEqual(last?.type === "state" && [last.state, last.reason, last.routine], ["waiting", "not started: the run stopped (rule 'a' (w.mf:1:1) failed: exit code 1)", true]);
    assert.equal(result.scheduler.stateOf(rule), "waiting");
  }
});
