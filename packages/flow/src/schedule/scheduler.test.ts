import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { plan } from "../plan/plan.ts";
import { simulate, worker } from "../testing/simulated-cluster.ts";
import { Scheduler } from "./scheduler.ts";

const planOf = (text: string) => plan(parseMakeflow(text, { file: "w.mf" }), { exists: () => true });
const independent = (count: number, extra = "") =>
  planOf(Array.from({ length: count }, (_, i) => `o${i}:\n${extra}\ttouch o${i}`).join("\n"));
const ok = { ok: true } as const;
const local = (cores: number) => worker("local", cores, { runsLocalRules: true, fastAbort: false });

test("scheduler: independent rules all run, never more at once than the cores (seed 1)", () => {
  const result = simulate(independent(50), {
    seed: 1,
    scheduler: {},
    executors: [{ atMs: 0, executor: local(2) }],
    behaviour: (_, random) => ({ durationMs: 10 + random() * 10, outcome: ok }),
  });
  assert.equal(result.ok, true);
  assert.equal(result.scheduler.counts().done, 50);
  assert.ok(result.endMs >= 25 * 10 && result.endMs <= 25 * 20 + 1, `took ${result.endMs} virtual ms`);
});

test("scheduler: a chain runs in dependency order, one rule at a time", () => {
  const chain = planOf(["a:\n\tx", "b: a\n\tx", "c: b\n\tx"].join("\n"));
  const result = simulate(chain, { seed: 2, scheduler: {}, executors: [{ atMs: 0, executor: local(4) }], behaviour: () => ({ durationMs: 5, outcome: ok }) });
  const starts = result.actions.filter((a) => a.type === "start").map((a) => (a.type === "start" ? a.rule : -1));
  assert.deepEqual(starts, [0, 1, 2]);
  assert.equal(result.endMs, 15);
});

test("scheduler: failures retry after min(R·T·F^N, M) with R in [1, 2], then succeed", () => {
  const result = simulate(independent(1), {
    seed: 3,
    scheduler: { retryCount: 3, backoff: { initialMs: 100, factor: 2, maxMs: 250 } },
    executors: [{ atMs: 0, executor: local(1) }],
    behaviour: ({ attempt }) => ({ durationMs: 1, outcome: attempt < 4 ? { ok: false, reason: "exit 1" } : ok }),
  });
  assert.equal(result.ok, true);
  const startTimes = result.actions.filter((a) => a.type === "start").map((a) => a.atMs);
  const gaps = startTimes.slice(1).map((t, i) => t - startTimes[i]! - 1);
  assert.equal(gaps.length, 3);
  assert.ok(gaps[0]! >= 100 && gaps[0]! <= 200, `first delay ${gaps[0]}`);
  assert.ok(gaps[1]! >= 200 && gaps[1]! <= 250, `second delay ${gaps[1]}`);
  assert.ok(Math.abs(gaps[2]! - 250) < 1e-6, `third delay is capped: ${gaps[2]}`);
});

test("scheduler: after the retry budget the run stops cleanly — running rules finish, dependants never start", () => {
  const workflow = planOf(["bad:\n\tx", "after: bad\n\tx", "slow:\n\tx"].join("\n"));
  const result = simulate(workflow, {
    seed: 4,
    scheduler: { retryCount: 1, backoff: { initialMs: 10 } },
    executors: [{ atMs: 0, executor: local(2) }],
    behaviour: ({ rule }) => (rule === 0 ? { durationMs: 1, outcome: { ok: false, reason: "exit 2" } } : { durationMs: 100, outcome: ok }),
  });
  assert.equal(result.ok, false);
  assert.match(result.reason!, /^rule 'bad' \(\S+:1:1\) failed: exit 2$/);
  assert.equal(result.scheduler.stateOf(0), "failed");
  assert.equal(result.scheduler.stateOf(2), "done");
  assert.ok(!result.actions.some((a) => a.type === "start" && a.rule === 1));
  assert.equal(result.actions.filter((a) => a.type === "start" && a.rule === 0).length, 2);
});

test("scheduler: no retries unless asked", () => {
  const result = simulate(independent(1), {
    seed: 5,
    scheduler: {},
    executors: [{ atMs: 0, executor: local(1) }],
    behaviour: () => ({ durationMs: 1, outcome: { ok: false, reason: "exit 1" } }),
  });
  assert.equal(result.ok, false);
  assert.equal(result.actions.filter((a) => a.type === "start").length, 1);
});

test("scheduler: category resources — 2-core rules share a 3-core executor one at a time", () => {
  const workflow = independent(4, "\t@CORES=2\n");
  const result = simulate(workflow, { seed: 6, scheduler: {}, executors: [{ atMs: 0, executor: local(3) }], behaviour: () => ({ durationMs: 10, outcome: ok }) });
  assert.equal(result.endMs, 40);
});

test("scheduler: LOCAL rules run only on the master's executor", () => {
  const workflow = planOf("a:\n\tLOCAL x\nb:\n\tx\nc:\n\tx\n");
  const result = simulate(workflow, {
    seed: 7,
    scheduler: { executorsMayJoin: true },
    executors: [{ atMs: 0, executor: worker("local", 1, { runsLocalRules: true, runsRemoteRules: false }) }, { atMs: 0, executor: worker("w1", 1) }],
    behaviour: () => ({ durationMs: 10, outcome: ok }),
  });
  const where = result.actions.flatMap((a) => (a.type === "start" ? [[a.rule, a.executorId]] : []));
  assert.deepEqual(where, [[0, "local"], [1, "w1"], [2, "w1"]]);
});

test("scheduler: a rule bigger than every executor fails with the reason when none can join", () => {
  const workflow = independent(1, "\t@CORES=8\n");
  const result = simulate(workflow, { seed: 8, scheduler: {}, executors: [{ atMs: 0, executor: local(2) }], behaviour: () => ({ durationMs: 1, outcome: ok }) });
  assert.equal(result.ok, false);
  assert.match(result.reason!, /needs 8 cores/);
});

test("scheduler: a big rule waits for a big worker when workers may join", () => {
  const workflow = independent(1, "\t@CORES=8\n");
  const result = simulate(workflow, {
    seed: 9,
    scheduler: { executorsMayJoin: true },
    executors: [{ atMs: 0, executor: worker("small", 2) }, { atMs: 500, executor: worker("big", 8) }],
    behaviour: () => ({ durationMs: 1, outcome: ok }),
  });
  assert.equal(result.ok, true);
  assert.equal(result.endMs, 501);
});

test("scheduler: a lost worker's tasks run elsewhere and do not count as failures (seed 10)", () => {
  const result = simulate(independent(20), {
    seed: 10,
    scheduler: { executorsMayJoin: true },
    executors: [{ atMs: 0, executor: worker("w1", 2) }, { atMs: 0, executor: worker("w2", 2) }],
    departures: [{ atMs: 25, executorId: "w1" }],
    behaviour: () => ({ durationMs: 10, outcome: ok }),
  });
  assert.equal(result.ok, true);
  const rerun = result.actions.filter((a) => a.type === "state" && a.state === "ready" && a.reason?.includes("w1 left"));
  assert.equal(rerun.length, 2);
  assert.ok(result.actions.filter((a) => a.type === "start" && a.atMs > 25).every((a) => a.type === "start" && a.executorId === "w2"));
});

test("scheduler: fast abort reruns a straggler elsewhere after mean + k·stddev (seed 11)", () => {
  const result = simulate(independent(30), {
    seed: 11,
    scheduler: { executorsMayJoin: true, fastAbortMultiplier: 3, fastAbortDefaultCategory: true, fastAbortSamplesMin: 10, fastAbortSlackMs: 5 },
    executors: [{ atMs: 0, executor: worker("w1", 1) }, { atMs: 0, executor: worker("w2", 1) }],
    behaviour: ({ rule, attempt }, random) => ({ durationMs: rule === 25 && attempt === 1 ? 100_000 : 10 + random(), outcome: ok }),
  });
  assert.equal(result.ok, true);
  const aborts = result.actions.filter((a) => a.type === "abort");
  assert.equal(aborts.length, 1);
  assert.match(aborts[0]!.type === "abort" ? aborts[0]!.reason : "", /fast abort/);
  const restarts = result.actions.filter((a) => a.type === "start" && a.rule === 25);
  assert.notEqual(restarts[0]!.type === "start" && restarts[0]!.executorId, restarts[1]!.type === "start" && restarts[1]!.executorId);
  assert.ok(result.endMs < 1_000, `the straggler did not hold the workflow back: ${result.endMs}`);
});

test("scheduler: a pipelined worker gets its next tasks ahead, never more than cores + pipelineCores outstanding", () => {
  const result = simulate(independent(40), {
    seed: 16,
    scheduler: { executorsMayJoin: true },
    executors: [{ atMs: 0, executor: worker("w1", 2, { pipelineCores: 3 }) }],
    behaviour: () => ({ durationMs: 10, outcome: ok }),
  });
  assert.equal(result.ok, true);
  let outstanding = 0;
  let most = 0;
  for (const action of result.actions) {
    if (action.type === "start") most = Math.max(most, ++outstanding);
    if (action.type === "state" && action.state === "done") outstanding--;
  }
  assert.equal(most, 5);
  assert.equal(result.endMs, 200, "the worker is never idle between tasks");
});

test("scheduler: rules done in the log are not run again", () => {
  const chain = planOf(["a:\n\tx", "b: a\n\tx", "c: b\n\tx"].join("\n"));
  const result = simulate(chain, {
    seed: 12,
    scheduler: {},
    isDone: (rule) => rule < 2,
    executors: [{ atMs: 0, executor: local(1) }],
    behaviour: () => ({ durationMs: 5, outcome: ok }),
  });
  assert.deepEqual(result.actions.flatMap((a) => (a.type === "start" ? [a.rule] : [])), [2]);
});

test("scheduler: the same seed gives the same trace; another seed may not", () => {
  const run = (seed: number) =>
    simulate(independent(40), {
      seed,
      scheduler: { retryCount: 2, backoff: { initialMs: 5 }, executorsMayJoin: true },
      executors: [{ atMs: 0, executor: worker("w1", 2) }, { atMs: 3, executor: worker("w2", 1) }],
      departures: [{ atMs: 40, executorId: "w2" }],
      behaviour: (_, random) => ({ durationMs: 1 + random() * 20, outcome: random() < 0.2 ? { ok: false, reason: "flaky" } : ok }),
    }).trace.join("\n");
  assert.equal(run(13), run(13));
  assert.notEqual(run(13), run(14));
});

test("scheduler: 20 000 independent rules dispatch in linear time", () => {
  const result = simulate(independent(20_000), { seed: 15, scheduler: {}, executors: [{ atMs: 0, executor: local(2) }], behaviour: () => ({ durationMs: 1, outcome: ok }) });
  assert.equal(result.scheduler.counts().done, 20_000);
});

test("scheduler: when a rule fails for good, tasks still queued on a pipelined executor are not started (as make -j)", () => {
  let started = 0;
  const result = simulate(independent(20), {
    seed: 9,
    scheduler: {},
    executors: [{ atMs: 0, executor: { ...local(2), pipelineCores: 8 } }],
    behaviour: ({ rule }) => {
      started++;
      return rule === 0 ? { durationMs: 1, outcome: { ok: false, reason: "exit 1" } } : { durationMs: 100, outcome: ok };
    },
  });
  assert.equal(result.ok, false);
  // rules 0 and 1 start at once; when 0 fails its core goes to rule 2, the oldest queued task
  assert.equal(started, 3, "only the tasks that had a core ran");
  assert.deepEqual([1, 2].map((rule) => result.scheduler.stateOf(rule)), ["done", "done"]);
  for (let rule = 3; rule < 10; rule++) assert.equal(result.scheduler.stateOf(rule), "waiting", `rule ${rule} was queued, then dropped`);
  const aborted = result.actions.filter((a) => a.type === "abort").map((a) => (a.type === "abort" ? a.rule : -1));
  assert.deepEqual(aborted, [3, 4, 5, 6, 7, 8, 9]);
});

test("scheduler: progress tells running tasks from tasks queued on their executor", () => {
  const scheduler = new Scheduler(independent(20), {}, { random: () => 0.5, isDone: () => false });
  scheduler.handle({ type: "executor-joined", executor: { ...local(2), pipelineCores: 4 } }, 0);
  const starts = scheduler.start(0).filter((a) => a.type === "start");
  assert.equal(starts.length, 6, "2 to run and 4 to queue");
  assert.deepEqual(scheduler.dispatchCounts(), { running: 2, queued: 4 });
  assert.equal(scheduler.counts().running, 6);
  const first = starts[0]!.type === "start" ? starts[0]!.task : -1;
  scheduler.handle({ type: "task-finished", task: first, outcome: ok }, 5);
  assert.deepEqual(scheduler.dispatchCounts(), { running: 2, queued: 4 }, "the freed core took a queued task; one more was queued");
});

test("scheduler: with reportStarts, a task's `started` comes when it gets its cores — at once, or after the task ahead of it is done; never without reportStarts", () => {
  const startedOf = (actions: ReturnType<Scheduler["start"]>) => actions.filter((a) => a.type === "started").map((a) => (a.type === "started" ? a.rule : -1));
  for (const reportStarts of [true, false]) {
    const scheduler = new Scheduler(independent(4), { reportStarts }, { random: () => 0.5, isDone: () => false });
    scheduler.handle({ type: "executor-joined", executor: { ...local(1), pipelineCores: 2 } }, 0);
    const first = scheduler.start(0);
    assert.deepEqual(startedOf(first), reportStarts ? [0] : [], "one core: only the first started; two wait in the queue");
    const task = first.find((a) => a.type === "start" && a.rule === 0)!;
    const next = scheduler.handle({ type: "task-finished", task: task.type === "start" ? task.task : -1, outcome: ok }, 5);
    assert.deepEqual(startedOf(next), reportStarts ? [1] : []);
    if (!reportStarts) continue;
    const order = next.map((a) => (a.type === "state" ? `${a.rule} ${a.state}` : a.type === "started" ? `${a.rule} started` : ""));
    assert.ok(order.indexOf("0 done") < order.indexOf("1 started"), `never more started than cores: ${order.join(", ")}`);
  }
});

test("scheduler: a task waiting in a worker's queue is not fast-aborted for the time it waited (seed 17)", () => {
  // Tasks take 10 ms; each worker queues 16 more beyond its core, so the later ones wait
  // ~160 ms before they start — far past mean + k·stddev — yet none of them is a straggler.
  const result = simulate(independent(200), {
    seed: 17,
    scheduler: { executorsMayJoin: true, fastAbortMultiplier: 3, fastAbortDefaultCategory: true, fastAbortSamplesMin: 10, fastAbortSlackMs: 5 },
    executors: [{ atMs: 0, executor: worker("w1", 1, { pipelineCores: 16 }) }, { atMs: 0, executor: worker("w2", 1, { pipelineCores: 16 }) }],
    behaviour: ({ rule, attempt }, random) => ({ durationMs: rule === 150 && attempt === 1 ? 100_000 : 10 + random(), outcome: ok }),
  });
  assert.equal(result.ok, true);
  const aborts = result.actions.filter((a) => a.type === "abort");
  assert.deepEqual(aborts.map((a) => a.rule), [150], "only the real straggler is aborted");
  assert.ok(result.endMs < 2_000, `the straggler did not hold the workflow back: ${result.endMs}`);
});

test("scheduler: a task its executor cannot run (`elsewhere`: an input larger than a worker's disk) runs on another that may, and is no failure; with no other, it fails at once", () => {
  const tiny = "on the worker, input 'big.in' was not cached: it is 3 MB, more than this worker's --disk (1 MB)";
  const behaviour = ({ executorId }: { executorId: string }) => ({ durationMs: 5, outcome: executorId === "small" ? { ok: false as const, reason: tiny, elsewhere: true } : ok });
  const both = simulate(independent(3), { seed: 9, scheduler: {}, executors: [{ atMs: 0, executor: worker("small", 4) }, { atMs: 0, executor: worker("large", 1) }], behaviour });
  assert.equal(both.ok, true, both.reason);
  assert.equal(both.scheduler.counts().done, 3);
  const starts = both.actions.filter((a) => a.type === "start").map((a) => (a.type === "start" ? a.executorId : ""));
  assert.ok(starts.includes("small"), "the small worker was tried first");
  assert.equal(starts.filter((id) => id === "large").length, 3);
  const alone = simulate(independent(1), { seed: 9, scheduler: {}, executors: [{ atMs: 0, executor: worker("small", 4) }], behaviour });
  assert.equal(alone.ok, false);
  assert.equal(alone.reason, `rule 'o0' (w.mf:1:1) failed: ${tiny}`);
});

test("scheduler: a task its only executor cannot run (`elsewhere`) is retried, when retries are asked, on an executor that joined since", () => {
  const behaviour = ({ executorId }: { executorId: string }) => ({ durationMs: 5, outcome: executorId === "small" ? { ok: false as const, reason: "too big here", elsewhere: true } : ok });
  const executors = [{ atMs: 0, executor: worker("small", 4) }, { atMs: 20, executor: worker("large", 1) }];
  const result = simulate(independent(1), { seed: 9, scheduler: { retryCount: 1, backoff: { initialMs: 100 } }, executors, behaviour });
  assert.equal(result.ok, true, result.reason);
  assert.deepEqual(result.actions.filter((a) => a.type === "start").map((a) => (a.type === "start" ? a.executorId : "")), ["small", "large"]);
});
