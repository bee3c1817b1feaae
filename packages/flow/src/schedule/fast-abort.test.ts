import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { plan } from "../plan/plan.ts";
import { simulate, worker } from "../testing/simulated-cluster.ts";
import { Scheduler } from "./scheduler.ts";
import type { SchedulerAction } from "./types.ts";

const independent = (count: number) =>
  plan(parseMakeflow(Array.from({ length: count }, (_, i) => `o${i}:\n\ttouch o${i}`).join("\n"), { file: "w.mf" }), { exists: () => true });
const ok = { ok: true } as const;

/** The rules a scheduler's actions abort. */
const aborted = (actions: SchedulerAction[]) => actions.flatMap((a) => (a.type === "abort" ? [a.rule] : []));
/** The task a rule was started as, among `start` actions. */
const taskOfIn = (starts: SchedulerAction[]) => (rule: number) => (starts.find((a) => a.type === "start" && a.rule === rule) as Extract<SchedulerAction, { type: "start" }>).task;

test("fast abort: a straggler that started before its category had enough samples is aborted once it has them (the tester's run)", () => {
  // o0 starts at once, before any sample; twelve 0.3 s tasks then finish on w2. Once ten have,
  // o0 is judged against mean + max(k·stddev, 1 s) from its own start, and rerun on w2.
  const result = simulate(independent(13), {
    seed: 31,
    scheduler: { executorsMayJoin: true, fastAbortMultiplier: 3, fastAbortDefaultCategory: true },
    executors: [{ atMs: 0, executor: worker("w1", 1) }, { atMs: 0, executor: worker("w2", 1) }],
    behaviour: ({ rule, attempt }, random) => ({ durationMs: rule === 0 && attempt === 1 ? 20_000 : 300 + random() * 10, outcome: ok }),
  });
  assert.equal(result.ok, true);
  const aborts = result.actions.filter((a) => a.type === "abort");
  assert.deepEqual(aborts.map((a) => a.rule), [0]);
  assert.match(aborts[0]!.type === "abort" ? aborts[0]!.reason : "", /fast abort/);
  assert.ok(aborts[0]!.atMs < 3_200, `aborted as the tenth sample came in, at ${aborts[0]!.atMs} ms`);
  assert.ok(result.endMs < 5_000, `the straggler did not run its 20 s: ${result.endMs}`);
});

test("fast abort: a running task's deadline follows its category's current statistics, from the task's start", () => {
  // k = 1, two samples needed, 5 ms slack, as many tasks aborted at once as there are samples.
  // Six tasks start at 0 on one 6-core worker.
  const init = { executorsMayJoin: true, fastAbortMultiplier: 1, fastAbortDefaultCategory: true, fastAbortSamplesMin: 2, fastAbortSlackMs: 5, fastAbortSamplesPerOverdue: 1 };
  const scheduler = new Scheduler(independent(6), init, { random: () => 0.5, isDone: () => false });
  scheduler.handle({ type: "executor-joined", executor: worker("w1", 6) }, 0);
  scheduler.handle({ type: "executor-joined", executor: worker("w2", 1) }, 0); // where the aborted go
  const starts = scheduler.start(0).filter((a) => a.type === "start");
  assert.equal(starts.length, 6);
  const taskOf = taskOfIn(starts);
  const finish = (rule: number, durationMs: number, nowMs: number) => scheduler.handle({ type: "task-finished", task: taskOf(rule), outcome: { ok: true, durationMs } }, nowMs);
  assert.deepEqual(aborted(finish(0, 10, 10)), []);
  // two samples of 10 ms: mean 10, stddev 0, so the others are due at 0 + 10 + max(0, 5) = 15
  assert.deepEqual(aborted(finish(1, 10, 10)), []);
  assert.equal(scheduler.nextWakeMs(), 15);
  // a third sample of 40 ms: mean 20, stddev 17.3, so the deadline moves to 0 + 37.3
  assert.deepEqual(aborted(finish(2, 40, 14)), []);
  assert.deepEqual(aborted(scheduler.handle({ type: "tick" }, 16)), [], "not aborted on the deadline it had before");
  assert.ok(Math.abs(scheduler.nextWakeMs()! - (20 + Math.sqrt(300))) < 1e-9, `next wake ${scheduler.nextWakeMs()}`);
  assert.deepEqual(aborted(scheduler.handle({ type: "tick" }, 38)), [3, 4, 5]);
});

test("fast abort: more tasks overdue at once than one per four samples are held until the next sample or end", () => {
  // k = 1, two samples needed, 5 ms slack, the default four samples per overdue task.
  const scheduler = new Scheduler(independent(8), { executorsMayJoin: true, fastAbortMultiplier: 1, fastAbortDefaultCategory: true, fastAbortSamplesMin: 2, fastAbortSlackMs: 5 }, { random: () => 0.5, isDone: () => false });
  scheduler.handle({ type: "executor-joined", executor: worker("w1", 8) }, 0);
  scheduler.handle({ type: "executor-joined", executor: worker("w2", 1) }, 0); // where the aborted go
  const starts = scheduler.start(0).filter((a) => a.type === "start");
  const taskOf = taskOfIn(starts);
  const finish = (rule: number, nowMs: number) => scheduler.handle({ type: "task-finished", task: taskOf(rule), outcome: { ok: true, durationMs: 10 } }, nowMs);
  finish(0, 10);
  finish(1, 10);
  // six tasks due at 15 against two samples (one may go): held, with no wake-up to spin on
  assert.deepEqual(aborted(scheduler.handle({ type: "tick" }, 15)), []);
  assert.equal(scheduler.nextWakeMs(), undefined);
  // each end is a new sample: judged again, and held while more than one task per four samples is overdue
  for (const rule of [2, 3, 4, 5]) assert.deepEqual(aborted(finish(rule, 16)), [], `after rule ${rule}`);
  // seven samples, one overdue task left: a straggler
  assert.deepEqual(aborted(finish(6, 16)), [7]);
});

test("fast abort: off, the scheduler keeps no statistics and sets no deadline", () => {
  const scheduler = new Scheduler(independent(3), { executorsMayJoin: true }, { random: () => 0.5, isDone: () => false });
  scheduler.handle({ type: "executor-joined", executor: worker("w1", 1) }, 0);
  let actions = scheduler.start(0);
  for (let nowMs = 10; actions.some((a) => a.type === "start"); nowMs += 10) {
    const start = actions.find((a) => a.type === "start")!;
    assert.equal(scheduler.nextWakeMs(), undefined);
    actions = scheduler.handle({ type: "task-finished", task: start.type === "start" ? start.task : -1, outcome: ok }, nowMs);
  }
  assert.equal(scheduler.counts().done, 3);
});

test("fast abort: a cohort's early finishers do not get the rest of the cohort aborted", () => {
  // 40 tasks start together on two 20-core workers. A third of them take 10 s, the rest 60 s:
  // the first ten samples are all short ones, so mean + max(3·stddev, 1 s) ≈ 11 s is passed by
  // every long task at once. They are a third of the category's tasks, not stragglers.
  const result = simulate(independent(40), {
    seed: 7,
    scheduler: { executorsMayJoin: true, fastAbortMultiplier: 3, fastAbortDefaultCategory: true },
    executors: [{ atMs: 0, executor: worker("w1", 20) }, { atMs: 0, executor: worker("w2", 20) }],
    behaviour: ({ rule }, random) => ({ durationMs: (rule % 3 === 0 ? 10_000 : 60_000) + random() * 500, outcome: ok }),
  });
  assert.equal(result.ok, true);
  assert.deepEqual(result.actions.filter((a) => a.type === "abort").map((a) => a.rule), []);
  assert.ok(result.endMs <= 61_000, `no task ran twice: ended at ${result.endMs}`);
});

test("fast abort: a hung worker's tasks are aborted once the others have given enough samples", () => {
  // Every task on w2 hangs (1 000 s instead of 10 s). Its eight tasks are overdue together,
  // which is too many to call stragglers against w1's first samples; once w1 has finished four
  // times as many they are the few, and are rerun on w1 (as are w2's later tasks).
  const result = simulate(independent(200), {
    seed: 3,
    scheduler: { executorsMayJoin: true, fastAbortMultiplier: 3, fastAbortDefaultCategory: true },
    executors: [{ atMs: 0, executor: worker("w1", 8) }, { atMs: 0, executor: worker("w2", 8) }],
    behaviour: ({ executorId }, random) => ({ durationMs: (executorId === "w2" ? 1_000_000 : 10_000) + random() * 500, outcome: ok }),
  });
  assert.equal(result.ok, true);
  const aborts = result.actions.filter((a) => a.type === "abort");
  assert.ok(aborts.length >= 8, `w2's tasks were aborted: ${aborts.length}`);
  assert.ok(aborts.every((a) => a.type === "abort" && a.executorId === "w2"));
  const firstAbortMs = aborts[0]!.atMs;
  assert.ok(firstAbortMs >= 20_000 && firstAbortMs < 50_000, `first aborts once w1 gave 32 samples: ${firstAbortMs}`);
  assert.ok(result.endMs < 300_000, `w2 did not hold the run back: ${result.endMs}`);
});

test("fast abort: a task awaiting its input files is not judged until its command runs, then from then; its sample leaves the wait out", () => {
  // k = 1, two samples needed, 5 ms slack. Five tasks start at 0 on one 5-core worker; o4's
  // input is still on its way there until 100.
  const init = { executorsMayJoin: true, fastAbortMultiplier: 1, fastAbortDefaultCategory: true, fastAbortSamplesMin: 2, fastAbortSlackMs: 5, fastAbortSamplesPerOverdue: 1 };
  const scheduler = new Scheduler(independent(5), init, { random: () => 0.5, isDone: () => false });
  scheduler.handle({ type: "executor-joined", executor: worker("w1", 5) }, 0);
  scheduler.handle({ type: "executor-joined", executor: worker("w2", 1) }, 0); // where the aborted go
  const starts = scheduler.start(0).filter((a) => a.type === "start");
  const taskOf = taskOfIn(starts);
  assert.deepEqual(scheduler.handle({ type: "task-awaiting", task: taskOf(4) }, 0), []);
  for (const rule of [0, 1, 2, 3]) scheduler.handle({ type: "task-finished", task: taskOf(rule), outcome: { ok: true, durationMs: 10 } }, 10);
  // four samples of 10 ms: a task started at 0 is due at 0 + 10 + 5 = 15, but o4 waits
  assert.deepEqual(aborted(scheduler.handle({ type: "tick" }, 15)), []);
  assert.equal(scheduler.nextWakeMs(), undefined, "no deadline for the task awaiting its inputs");
  assert.deepEqual(aborted(scheduler.handle({ type: "tick" }, 60)), []);
  assert.equal(scheduler.stateOf(4), "running");
  // its command starts at 100: judged from then (due at 115), and its run counted from then
  assert.deepEqual(aborted(scheduler.handle({ type: "task-running", task: taskOf(4) }, 100)), []);
  assert.equal(scheduler.nextWakeMs(), 115);
  const done = scheduler.handle({ type: "task-finished", task: taskOf(4), outcome: ok }, 112);
  assert.deepEqual(done.flatMap((a) => (a.type === "state" && a.rule === 4 ? [[a.state, a.durationMs]] : [])), [["done", 12]]);
});

test("fast abort: a task whose command runs late, but was not said to await its inputs, is judged from when it runs", () => {
  const init = { executorsMayJoin: true, fastAbortMultiplier: 1, fastAbortDefaultCategory: true, fastAbortSamplesMin: 2, fastAbortSlackMs: 5, fastAbortSamplesPerOverdue: 1 };
  const scheduler = new Scheduler(independent(4), init, { random: () => 0.5, isDone: () => false });
  scheduler.handle({ type: "executor-joined", executor: worker("w1", 4) }, 0);
  scheduler.handle({ type: "executor-joined", executor: worker("w2", 1) }, 0); // where the aborted go
  const starts = scheduler.start(0).filter((a) => a.type === "start");
  const taskOf = taskOfIn(starts);
  for (const rule of [0, 1]) scheduler.handle({ type: "task-finished", task: taskOf(rule), outcome: { ok: true, durationMs: 10 } }, 10);
  assert.equal(scheduler.nextWakeMs(), 15);
  assert.deepEqual(aborted(scheduler.handle({ type: "task-running", task: taskOf(2) }, 12)), []);
  // o3 is due at 15 still; o2, from 12, at 27
  assert.deepEqual(aborted(scheduler.handle({ type: "tick" }, 15)), [3]);
  assert.deepEqual(aborted(scheduler.handle({ type: "tick" }, 26)), []);
  assert.deepEqual(aborted(scheduler.handle({ type: "tick" }, 27)), [2]);
});
