import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { plan } from "../plan/plan.ts";
import { simulate, worker } from "../testing/simulated-cluster.ts";
import { Scheduler } from "./scheduler.ts";
import type { ExecutorInfo, SchedulerAction } from "./types.ts";

const planOf = (text: string) => plan(parseMakeflow(text, { file: "w.mf" }), { exists: () => true });
const ok = { ok: true } as const;
const sized = (id: string, cores: number, memoryMb: number): ExecutorInfo => worker(id, cores, { capacity: { cores, memoryMb, diskMb: 1_000_000, gpus: 0 }, pipelineCores: 8 * cores });
const master = worker("local", 8, { runsLocalRules: true, runsRemoteRules: false, fastAbort: false });
const stalls = (actions: SchedulerAction[]) => actions.flatMap((a) => (a.type === "stalled" ? [[a.rule, a.reason]] : []));

test("stalls: a rule bigger than every worker connected is reported once, again when a worker joins that still does not fit, and runs on one that does", () => {
  const workflow = planOf("small:\n\ttouch small\nbig:\n\t@CORES=4\n\t@MEMORY=2000\n\tx\nbig2:\n\t@CORES=4\n\t@MEMORY=2000\n\tx\n");
  const scheduler = new Scheduler(workflow, { executorsMayJoin: true }, { random: () => 0.5, isDone: () => false });
  scheduler.handle({ type: "executor-joined", executor: master }, 0);
  assert.deepEqual(stalls(scheduler.start(0)), [], "no worker yet: the master says it waits for workers");
  const joined = scheduler.handle({ type: "executor-joined", executor: sized("worker-1", 2, 1_000) }, 10);
  assert.deepEqual(stalls(joined), [[1, "needs 4 cores, 2000 MB memory (as does 1 more ready rule); the largest worker connected (worker-1) offers 2 cores, 1000 MB memory: waiting for a larger worker"]]);
  const small = joined.find((a) => a.type === "start")!;
  assert.equal(small.rule, 0, "rules that fit still run");
  assert.deepEqual(stalls(scheduler.handle({ type: "task-finished", task: small.type === "start" ? small.task : -1, outcome: ok }, 20)), []);
  assert.deepEqual(stalls(scheduler.handle({ type: "tick" }, 30)), [], "said once");
  const second = scheduler.handle({ type: "executor-joined", executor: sized("worker-2", 4, 1_500) }, 40);
  assert.deepEqual(stalls(second), [[1, "needs 4 cores, 2000 MB memory (as does 1 more ready rule); the largest worker connected (worker-2) offers 4 cores, 1500 MB memory: waiting for a larger worker"]]);
  const third = scheduler.handle({ type: "executor-joined", executor: sized("worker-3", 4, 4_000) }, 50);
  assert.deepEqual(stalls(third), []);
  assert.deepEqual(third.flatMap((a) => (a.type === "start" ? [[a.rule, a.executorId]] : [])), [[1, "worker-3"], [2, "worker-3"]]);
});

test("stalls: a rule whose worker left, when no worker connected fits it any more, is reported", () => {
  const workflow = planOf("big:\n\t@CORES=4\n\tx\n");
  const result = simulate(workflow, {
    seed: 41,
    scheduler: { executorsMayJoin: true },
    executors: [{ atMs: 0, executor: sized("worker-1", 4, 1_000) }, { atMs: 5, executor: sized("worker-2", 2, 1_000) }, { atMs: 200, executor: sized("worker-3", 8, 1_000) }],
    departures: [{ atMs: 10, executorId: "worker-1" }],
    behaviour: () => ({ durationMs: 100, outcome: ok }),
  });
  assert.equal(result.ok, true);
  assert.deepEqual(
    result.actions.flatMap((a) => (a.type === "stalled" ? [[a.atMs, a.reason]] : [])),
    [[10, "needs 4 cores; the largest worker connected (worker-2) offers 2 cores: waiting for a larger worker"]],
  );
});

test("stalls: a LOCAL rule bigger than the master fails at once, even when workers may join", () => {
  const workflow = planOf("big:\n\t@CORES=16\n\tLOCAL x\n");
  const result = simulate(workflow, {
    seed: 42,
    scheduler: { executorsMayJoin: true },
    executors: [{ atMs: 0, executor: master }, { atMs: 0, executor: sized("worker-1", 32, 1_000) }],
    behaviour: () => ({ durationMs: 1, outcome: ok }),
  });
  assert.equal(result.ok, false);
  assert.equal(result.reason, "rule 'big' (w.mf:1:1) failed: needs 16 cores; this machine has 8 cores");
  assert.deepEqual(result.actions.filter((a) => a.type === "start"), [], "refused before anything ran");
});
