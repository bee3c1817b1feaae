// Which tasks fast abort may take off their worker: only categories the workflow names (unless
// the default category is asked for), never one no other worker could take, and what it says.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { plan } from "../plan/plan.ts";
import { simulate, worker } from "../testing/simulated-cluster.ts";
import type { SchedulerInit } from "./types.ts";

const ok = { ok: true } as const;
/** `count` rules, in category `category` when given, then a join of them all. */
const shortsThenJoin = (count: number, category?: string) => {
  const names = Array.from({ length: count }, (_, i) => `o${i}.txt`);
  const head = category === undefined ? "" : `CATEGORY=${category}\n`;
  const rules = names.map((name) => `${name}:\n\tsleep 0.5`);
  return plan(parseMakeflow(`${head}${rules.join("\n")}\nlong.txt: ${names.join(" ")}\n\tsleep 4\n`, { file: "w.mf" }), { exists: () => true });
};
/** Rules of 500 ms, but the join takes 4 s: a long rule, not a straggler of the others' kind. */
const behaviour = ({ rule }: { rule: number }, random: () => number) => ({ durationMs: rule === 12 ? 4_000 : 500 + random() * 10, outcome: ok });
const twoWorkers = [{ atMs: 0, executor: worker("w1", 1) }, { atMs: 0, executor: worker("w2", 1) }];
const aborts = (result: ReturnType<typeof simulate>) => result.actions.flatMap((a) => (a.type === "abort" ? [a.reason] : []));

test("fast abort: rules without CATEGORY are not judged unless asked (the audit's 12 × 0.5 s then a 4 s join, on 2 workers)", () => {
  const init: SchedulerInit = { executorsMayJoin: true, fastAbortMultiplier: 3, fastAbortSamplesMin: 10 };
  const result = simulate(shortsThenJoin(12), { seed: 5, scheduler: init, executors: twoWorkers, behaviour });
  assert.equal(result.ok, true);
  assert.deepEqual(aborts(result), []);
  assert.ok(result.endMs < 7_100, `the join ran once: ${result.endMs}`);
  // asked for (--fast-abort K on the command line), the default category is judged as any other
  const asked = simulate(shortsThenJoin(12), { seed: 5, scheduler: { ...init, fastAbortDefaultCategory: true }, executors: twoWorkers, behaviour });
  assert.equal(asked.ok, true);
  assert.equal(aborts(asked).length, 3, "aborted up to its cap, then left to run");
});

test("fast abort: a named category's straggler is aborted, saying how long it ran and its limit", () => {
  const init: SchedulerInit = { executorsMayJoin: true, fastAbortMultiplier: 3, fastAbortSamplesMin: 10 };
  const result = simulate(shortsThenJoin(12, "sim"), { seed: 5, scheduler: init, executors: twoWorkers, behaviour });
  assert.equal(result.ok, true);
  const reasons = aborts(result);
  assert.equal(reasons.length, 3);
  assert.match(reasons[0]!, /^fast abort 1 of at most 3: ran 1\.5 s, past 1\.5 s \(mean 0\.5\d? s \+ 1\.0 s slack, more than 3·stddev\) of category 'sim'$/);
  assert.match(reasons[2]!, /^fast abort 3 of at most 3 \(the last: its next run is left to finish\): ran /);
});

test("fast abort: a straggler no other connected worker could take is left to run (it would rerun where it was)", () => {
  const init: SchedulerInit = { executorsMayJoin: true, fastAbortMultiplier: 3, fastAbortSamplesMin: 10, fastAbortDefaultCategory: true };
  // w2 leaves once the short rules are done: the join runs on w1 alone
  const alone = simulate(shortsThenJoin(12), { seed: 5, scheduler: init, executors: twoWorkers, departures: [{ atMs: 3_200, executorId: "w2" }], behaviour });
  assert.equal(alone.ok, true);
  assert.deepEqual(aborts(alone), []);
  assert.ok(alone.endMs < 7_600, `the join ran once: ${alone.endMs}`);
});

test("fast abort: a straggler left to run for want of another worker is judged again when one joins", () => {
  const init: SchedulerInit = { executorsMayJoin: true, fastAbortMultiplier: 3, fastAbortSamplesMin: 10 };
  // the join hangs on its first attempt; w2 leaves once the short rules are done, w3 joins at 10 s
  const hangs = ({ rule, attempt }: { rule: number; attempt: number }, random: () => number) => ({ durationMs: rule === 12 ? (attempt === 1 ? 100_000 : 500) : 500 + random() * 10, outcome: ok });
  const executors = [...twoWorkers, { atMs: 10_000, executor: worker("w3", 1) }];
  const result = simulate(shortsThenJoin(12, "sim"), { seed: 5, scheduler: init, executors, departures: [{ atMs: 3_200, executorId: "w2" }], behaviour: hangs });
  assert.equal(result.ok, true);
  const abort = result.actions.find((a) => a.type === "abort");
  assert.ok(abort && abort.atMs === 10_000 && abort.executorId === "w1", `aborted on w1 as w3 joined: ${JSON.stringify(abort)}`);
  assert.deepEqual(result.actions.flatMap((a) => (a.type === "start" && a.rule === 12 ? [a.executorId] : [])), ["w1", "w3"]);
  assert.ok(result.endMs < 11_000, `the rerun on w3 finished the run: ${result.endMs}`);
});
