// Rules larger than the machine: wider than -j, they run alone; needing memory, disk or GPUs
// it does not have, the run is refused before anything runs, naming only what is short. And
// one declaring fewer than one core still takes one.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { plan } from "../plan/plan.ts";
import { simulate, worker } from "../testing/simulated-cluster.ts";
import type { ExecutorInfo } from "./types.ts";

const planOf = (text: string) => plan(parseMakeflow(text, { file: "Makeflow" }), { exists: () => true });
const ok = { ok: true } as const;
/** The local machine as `skein flow -j <cores>` sees it (16 GB of memory, no GPUs). */
const machine = (cores: number, extra: Partial<ExecutorInfo> = {}): ExecutorInfo => ({
  ...worker("local", cores, { runsLocalRules: true, fastAbort: false, widerTasksRunAlone: true, pipelineCores: cores * 64 }),
  capacity: { cores, memoryMb: 16_000, diskMb: Number.MAX_SAFE_INTEGER, gpus: 0 },
  ...extra,
});
/** examples/flow/categories/Makeflow */
const categories = planOf(
  ["CATEGORY=light", "CORES=1", "a.txt:\n\tx", "b.txt:\n\tx", "CATEGORY=heavy", "CORES=2", "MEMORY=100", "big1.txt: a.txt\n\tx", "big2.txt: b.txt\n\tx", "CATEGORY=light", "summary.txt: big1.txt big2.txt\n\tx"].join("\n"),
);

test("too large: with -j 1, a rule needing 2 cores runs alone, taking the one slot (the categories example)", () => {
  const result = simulate(categories, { seed: 1, scheduler: {}, executors: [{ atMs: 0, executor: machine(1) }], behaviour: () => ({ durationMs: 10, outcome: ok }) });
  assert.equal(result.ok, true, result.reason);
  assert.equal(result.scheduler.counts().done, 5);
  assert.equal(result.endMs, 50, "one job at a time");
  // with -j 3, a 2-core rule and a 1-core one share the slots, never more than 3 cores' worth
  const wide = simulate(categories, { seed: 1, scheduler: {}, executors: [{ atMs: 0, executor: machine(3) }], behaviour: () => ({ durationMs: 10, outcome: ok }) });
  assert.equal(wide.ok, true, wide.reason);
  assert.equal(wide.endMs, 40, "big1 and big2 (2 cores each) one after the other, a and b together");
});

test("too large: a worker never runs a rule wider than itself (it waits for a larger one, as before)", () => {
  const result = simulate(planOf("CORES=2\nbig:\n\tx\n"), {
    seed: 1,
    scheduler: { executorsMayJoin: true },
    executors: [{ atMs: 0, executor: worker("w1", 1) }, { atMs: 50, executor: worker("w2", 2) }],
    behaviour: () => ({ durationMs: 10, outcome: ok }),
  });
  assert.equal(result.ok, true, result.reason);
  assert.deepEqual(result.actions.flatMap((a) => (a.type === "start" ? [a.executorId] : [])), ["w2"]);
});

test("too large: a rule needing more memory or GPUs than the machine has is refused before anything runs, naming only what is short", () => {
  const workflow = planOf(["a:\n\tx", "MEMORY=300000", "CORES=2", "b: a\n\tx", "MEMORY=10", "GPUS=1", "c: a\n\tx"].join("\n"));
  const result = simulate(workflow, { seed: 1, scheduler: {}, executors: [{ atMs: 0, executor: machine(1) }], behaviour: () => ({ durationMs: 10, outcome: ok }) });
  assert.equal(result.ok, false);
  assert.deepEqual(result.actions.filter((a) => a.type === "start"), [], "nothing ran");
  assert.equal(result.reason, "rule 'b' (Makeflow:5:1) failed: needs 300000 MB memory; this machine has 16000 MB memory");
  const failed = result.actions.flatMap((a) => (a.type === "state" && a.state === "failed" ? [a.reason] : []));
  assert.deepEqual(failed, ["needs 300000 MB memory; this machine has 16000 MB memory", "needs 1 GPU; this machine has 0 GPUs"]);
});

test("too large: on Slurm-like executors that may not join, a rule wider than the one executor fails at the start, with singular units", () => {
  const result = simulate(planOf("a:\n\tx\nCORES=3\nb: a\n\tx\n"), { seed: 1, scheduler: {}, executors: [{ atMs: 0, executor: worker("slurm", 1) }], behaviour: () => ({ durationMs: 10, outcome: ok }) });
  assert.equal(result.ok, false);
  assert.deepEqual(result.actions.filter((a) => a.type === "start"), []);
  assert.equal(result.reason, "rule 'b' (Makeflow:4:1) failed: needs 3 cores; slurm has 1 core");
});

test("cores: a rule declaring CORES=0 still takes a slot, as the launcher and workers count it (-j 2 ran all six at once in the scheduler's view)", () => {
  const result = simulate(planOf(`CORES=0\n${Array.from({ length: 6 }, (_, i) => `z${i}:\n\tx`).join("\n")}`), {
    seed: 1,
    scheduler: {},
    executors: [{ atMs: 0, executor: machine(2, { pipelineCores: 0 }) }],
    behaviour: () => ({ durationMs: 10, outcome: ok }),
  });
  assert.equal(result.ok, true, result.reason);
  let running = 0;
  let most = 0;
  for (const action of result.actions) {
    if (action.type === "start") most = Math.max(most, ++running);
    if (action.type === "state" && action.state === "done") running--;
  }
  assert.equal(most, 2);
  assert.equal(result.endMs, 30);
});
