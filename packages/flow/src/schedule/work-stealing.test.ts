import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { plan } from "../plan/plan.ts";
import { simulate, worker } from "../testing/simulated-cluster.ts";
import { Scheduler } from "./scheduler.ts";
import type { ExecutorInfo, SchedulerAction } from "./types.ts";

const planOf = (text: string) => plan(parseMakeflow(text, { file: "w.mf" }), { exists: () => true });
const ok = { ok: true } as const;
const pipelined = (id: string, cores = 1): ExecutorInfo => worker(id, cores, { pipelineCores: 8 * cores });
type Abort = Extract<SchedulerAction, { type: "abort" }>;
const moves = <A extends SchedulerAction>(actions: A[]) => actions.filter((a): a is A & Abort => a.type === "abort" && a.reason.startsWith("moved"));

test("work stealing: a worker that joins later takes the tasks queued behind a long one on the first (22 s, not 40 s)", () => {
  const workflow = planOf(["slow:\n\tsleep 20", "f1:\n\ttouch f1", "f2:\n\ttouch f2", "f3:\n\ttouch f3", "after: f1 f2 f3\n\tsleep 20"].join("\n"));
  const result = simulate(workflow, {
    seed: 21,
    scheduler: { executorsMayJoin: true, fastAbortMultiplier: 3, fastAbortDefaultCategory: true },
    executors: [{ atMs: 0, executor: pipelined("worker-1") }, { atMs: 2_000, executor: pipelined("worker-2") }],
    behaviour: ({ rule }) => ({ durationMs: rule === 0 || rule === 4 ? 20_000 : 10, outcome: ok }),
  });
  assert.equal(result.ok, true);
  assert.ok(result.endMs >= 22_000 && result.endMs <= 22_100, `makespan ${result.endMs} virtual ms`);
  // worker-2 is idle at 2 s with nothing ready: it takes f3 (the last queued, the longest to
  // wait), then f2 and f1 as it finishes each; `after` follows on worker-2
  const moved = moves(result.actions);
  assert.deepEqual(moved.map((a) => [a.rule, a.executorId, a.atMs]), [[3, "worker-1", 2_000], [2, "worker-1", 2_010], [1, "worker-1", 2_020]]);
  const lastStarts = new Map(result.actions.flatMap((a) => (a.type === "start" ? [[a.rule, a.executorId] as const] : [])));
  assert.deepEqual([1, 2, 3, 4].map((rule) => lastStarts.get(rule)), ["worker-2", "worker-2", "worker-2", "worker-2"]);
  // as a fast abort: the abort, the rule ready again with the reason, one "running" per dispatch
  for (const rule of [1, 2, 3]) {
    const states = result.actions.flatMap((a) => (a.type === "state" && a.rule === rule ? [`${a.state} ${a.attempt}${a.executorId ? ` ${a.executorId}` : ""}`] : []));
    assert.deepEqual(states, ["ready 0", "running 1 worker-1", "ready 1", "running 1 worker-2", "done 1 worker-2"]);
  }
  // the move's reason is routine: --json shows it, the terminal does not
  const ready = result.actions.filter((a) => a.type === "state" && a.state === "ready" && a.reason?.startsWith("moved"));
  assert.equal(ready.length, 3);
  assert.ok(ready.every((a) => a.type === "state" && a.routine === true));
});

test("work stealing: a task moved while its first executor was in fact starting it runs once; the late outcome there is ignored", () => {
  const scheduler = new Scheduler(planOf("slow:\n\tx\nf1:\n\tx\nf2:\n\tx\n"), { executorsMayJoin: true, reportStarts: true }, { random: () => 0.5, isDone: () => false });
  scheduler.handle({ type: "executor-joined", executor: pipelined("w1") }, 0);
  const all: SchedulerAction[] = scheduler.start(0);
  const first = all.filter((a) => a.type === "start");
  assert.deepEqual(first.map((a) => [a.rule, a.executorId]), [[0, "w1"], [1, "w1"], [2, "w1"]]);
  const handle = (...args: Parameters<Scheduler["handle"]>) => {
    const actions = scheduler.handle(...args);
    all.push(...actions);
    return actions;
  };
  const joined = handle({ type: "executor-joined", executor: pipelined("w2") }, 1_000);
  const abort = joined.find((a) => a.type === "abort")!;
  const start = joined.find((a) => a.type === "start")!;
  assert.deepEqual([abort.rule, abort.executorId, start.rule, start.executorId], [2, "w1", 2, "w2"]);
  assert.ok(joined.indexOf(abort) < joined.indexOf(start), "the abort goes out before the new start (staging paths change hands)");
  assert.deepEqual(joined.filter((a) => a.type === "started").map((a) => [a.rule, a.executorId]), [[2, "w2"]]);
  // the race: w1 had finished `slow` and started f2 before the abort reached it; the report of
  // `slow` then the killed f2's come in. The kill's outcome is ignored, f1 starts on w1 and f2
  // is not taken back from w2.
  assert.deepEqual(handle({ type: "task-finished", task: abort.type === "abort" ? abort.task : -1, outcome: { ok: false, reason: "killed by SIGKILL" } }, 1_001), []);
  const slowDone = handle({ type: "task-finished", task: first[0]!.type === "start" ? first[0]!.task : -1, outcome: ok }, 1_002);
  assert.deepEqual(slowDone.filter((a) => a.type === "abort" || a.type === "start"), []);
  assert.deepEqual(slowDone.filter((a) => a.type === "started").map((a) => a.rule), [1]);
  assert.equal(scheduler.stateOf(2), "running");
  const done = handle({ type: "task-finished", task: start.type === "start" ? start.task : -1, outcome: ok }, 1_010);
  assert.deepEqual(done.flatMap((a) => (a.type === "state" ? [[a.rule, a.state, a.attempt, a.executorId]] : [])), [[2, "done", 1, "w2"]]);
  const states = all.flatMap((a) => (a.type === "state" && a.rule === 2 ? [`${a.state} ${a.attempt}`] : []));
  assert.deepEqual(states, ["ready 0", "running 1", "ready 1", "running 1", "done 1"], "one 'running' per dispatch; no outcome of the first");
});

test("work stealing: the late success of a task moved away does not complete it twice", () => {
  const scheduler = new Scheduler(planOf("slow:\n\tx\nf1:\n\tx\n"), { executorsMayJoin: true }, { random: () => 0.5, isDone: () => false });
  scheduler.handle({ type: "executor-joined", executor: pipelined("w1") }, 0);
  const first = scheduler.start(0).filter((a) => a.type === "start");
  const moved = scheduler.handle({ type: "executor-joined", executor: pipelined("w2") }, 5).find((a) => a.type === "start")!;
  assert.equal(moved.rule, 1);
  // the original run on w1 got through before its kill, and reports success: ignored
  assert.deepEqual(scheduler.handle({ type: "task-finished", task: first[1]!.type === "start" ? first[1]!.task : -1, outcome: ok }, 6), []);
  assert.equal(scheduler.stateOf(1), "running");
  const done = scheduler.handle({ type: "task-finished", task: moved.type === "start" ? moved.task : -1, outcome: ok }, 7);
  assert.deepEqual(done.flatMap((a) => (a.type === "state" ? [[a.rule, a.state, a.executorId]] : [])), [[1, "done", "w2"]]);
});

test("work stealing: an idle worker takes ready tasks before queued ones, moves each task at most once, and never takes one back (seed 22)", () => {
  const workflow = planOf(Array.from({ length: 120 }, (_, i) => `o${i}:\n\ttouch o${i}`).join("\n"));
  const result = simulate(workflow, {
    seed: 22,
    scheduler: { executorsMayJoin: true },
    executors: [{ atMs: 0, executor: pipelined("w1", 2) }, { atMs: 50, executor: pipelined("w2", 1) }, { atMs: 400, executor: pipelined("w3", 3) }],
    departures: [{ atMs: 900, executorId: "w3" }],
    behaviour: (_, random) => ({ durationMs: 5 + random() * 40, outcome: ok }),
  });
  assert.equal(result.ok, true);
  const moved = moves(result.actions);
  assert.ok(moved.length > 0, "the tail was balanced by moving queued tasks");
  const movedTasks = new Set(moved.map((a) => a.task));
  assert.equal(movedTasks.size, moved.length, "no task moved twice");
  const startsByMove = new Set<number>();
  let readyLeft = 0;
  for (const [index, action] of result.actions.entries()) {
    if (action.type === "state" && action.state === "ready") readyLeft++;
    if (action.type === "state" && action.state === "running") readyLeft--;
    if (action.type === "abort" && action.reason.startsWith("moved")) {
      assert.equal(readyLeft, 0, "tasks move only once nothing waits in the ready queue");
      // the abort, the rule ready again, running again, and its start
      const start = result.actions[index + 3]!;
      assert.ok(start.type === "start" && start.rule === action.rule);
      startsByMove.add(start.task);
    }
  }
  assert.ok(moved.every((a) => !startsByMove.has(a.task)), "a moved task is never moved again");
});

test("work stealing: a run with a single executor never moves tasks", () => {
  const workflow = planOf(Array.from({ length: 40 }, (_, i) => `o${i}:\n\ttouch o${i}`).join("\n"));
  const result = simulate(workflow, {
    seed: 23,
    scheduler: {},
    executors: [{ atMs: 0, executor: worker("local", 2, { runsLocalRules: true, fastAbort: false, pipelineCores: 128 }) }],
    behaviour: (_, random) => ({ durationMs: 1 + random() * 10, outcome: ok }),
  });
  assert.equal(result.ok, true);
  assert.deepEqual(moves(result.actions), []);
});

test("work stealing: with reports late, a task moved may have started where it was — it is killed there and done once (seeds 1–30)", () => {
  const workflow = planOf(
    Array.from({ length: 150 }, (_, i) => (i < 100 ? `o${i}:\n\ttouch o${i}` : `d${i}: o${i - 100} o${i - 50}\n\ttouch d${i}`)).join("\n"),
  );
  let raced = 0;
  for (let seed = 1; seed <= 30; seed++) {
    const result = simulate(workflow, {
      seed,
      scheduler: { executorsMayJoin: true, fastAbortMultiplier: 3, fastAbortDefaultCategory: true, fastAbortSamplesMin: 10, fastAbortSlackMs: 5, retryCount: 3, backoff: { initialMs: 5 } },
      executors: [{ atMs: 0, executor: pipelined("w1", 2) }, { atMs: 30, executor: pipelined("w2", 1) }, { atMs: 200, executor: pipelined("w3", 3) }],
      departures: [{ atMs: 600, executorId: "w2" }],
      reportDelayMs: 3,
      behaviour: (_, random) => ({ durationMs: 1 + random() * 30, outcome: random() < 0.05 ? { ok: false, reason: "flaky" } : ok }),
    });
    assert.equal(result.ok, true, `seed ${seed}: ${result.reason}`);
    assert.equal(result.scheduler.counts().done, 150, `seed ${seed}`);
    const moved = moves(result.actions);
    assert.equal(new Set(moved.map((a) => a.task)).size, moved.length, `seed ${seed}: no task moved twice`);
    raced += moved.filter((a) => result.killed.has(a.task)).length;
  }
  assert.ok(raced > 0, "some moves raced with the start where the task waited (the campaign exercised the race)");
});
