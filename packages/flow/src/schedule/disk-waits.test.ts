import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { plan } from "../plan/plan.ts";
import { type SimulatedTask, simulate, worker } from "../testing/simulated-cluster.ts";
import type { ExecutorInfo, TaskOutcome } from "./types.ts";

const planOf = (text: string) => plan(parseMakeflow(text, { file: "w.mf" }), { exists: () => true });
const ok = { ok: true } as const;
const disked = (id: string, cores: number, diskMb: number): ExecutorInfo => worker(id, cores, { capacity: { cores, memoryMb: 1_000_000, diskMb, gpus: 0 }, pipelineCores: 2 * cores });
const disks: Record<string, number> = { small: 1, small2: 1, large: 10, large2: 10, both: 10 };
/** Rules named big* have 2 MB of inputs: an executor with less --disk refuses them, as worker-connection.ts does. */
const behaviour = (names: string[]) => ({ executorId, rule }: SimulatedTask): { durationMs: number; outcome: TaskOutcome } => {
  const over = names[rule]!.startsWith("big") && disks[executorId]! < 2;
  return { durationMs: over ? 0 : 10, outcome: over ? { ok: false, reason: `its inputs take 2 MB together, more than ${executorId}'s --disk (1 MB)`, elsewhere: true, inputBytes: 2_000_000 } : ok };
};
const workflow = "big1:\n\tx\nbig2:\n\tx\nsmall1:\n\tx\nsmall2:\n\tx\n";
const names = ["big1", "big2", "small1", "small2"];

test("disk waits: rules whose inputs pass every connected worker's --disk wait, said once, and run when a worker with the disk joins (seed 51)", () => {
  const result = simulate(planOf(workflow), {
    seed: 51,
    scheduler: { executorsMayJoin: true },
    executors: [{ atMs: 0, executor: disked("small", 1, 1) }, { atMs: 5, executor: disked("small2", 1, 1) }, { atMs: 1_000, executor: disked("large", 1, 10) }],
    behaviour: behaviour(names),
  });
  assert.equal(result.ok, true, result.reason);
  const stalled = result.actions.flatMap((a) => (a.type === "stalled" ? [[a.atMs, a.rule, a.reason]] : []));
  assert.deepEqual(stalled, [
    [0, 0, "waits for a worker with a larger --disk: its inputs take 2 MB together, more than small's --disk (1 MB); the largest connected is small's (1 MB)"],
    [5, 1, "waits for a worker with a larger --disk: its inputs take 2 MB together, more than small's --disk (1 MB) (as does 1 more ready rule); the largest connected is small's (1 MB)"],
  ]);
  const starts = result.actions.flatMap((a) => (a.type === "start" ? [[names[a.rule], a.executorId, a.atMs]] : []));
  // tried once on the small worker each (refused at once), never on small2, then on the large one as it joins
  assert.deepEqual(starts.filter(([name]) => String(name).startsWith("big")), [["big1", "small", 0], ["big2", "small", 0], ["big1", "large", 1_000], ["big2", "large", 1_000]]);
  assert.ok(result.actions.every((a) => a.type !== "state" || a.state !== "failed"));
  const waiting = result.actions.find((a) => a.type === "state" && a.rule === 0 && a.state === "ready" && a.reason !== undefined);
  assert.equal(waiting?.type === "state" && waiting.reason, "small cannot run it (its inputs take 2 MB together, more than small's --disk (1 MB)): it waits for a worker with a larger --disk");
  assert.equal(result.endMs, 1_020);
});

test("disk waits: with a worker whose --disk holds the inputs connected, they run there at once; a task the large worker lost waits while only small ones remain (seed 52)", () => {
  const result = simulate(planOf(workflow), {
    seed: 52,
    scheduler: { executorsMayJoin: true },
    executors: [{ atMs: 0, executor: disked("small", 1, 1) }, { atMs: 0, executor: disked("large", 1, 10) }, { atMs: 500, executor: disked("large2", 1, 10) }],
    departures: [{ atMs: 15, executorId: "large" }],
    behaviour: behaviour(names),
  });
  assert.equal(result.ok, true, result.reason);
  const bigStarts = result.actions.flatMap((a) => (a.type === "start" && names[a.rule]!.startsWith("big") ? [[names[a.rule], a.executorId, a.atMs]] : []));
  // refused by the small worker, run on the large one at once; lost with it, they wait (not sent to the small one again) for large2
  assert.deepEqual(bigStarts, [["big1", "small", 0], ["big2", "small", 0], ["big1", "large", 0], ["big2", "large", 0], ["big1", "large2", 500], ["big2", "large2", 500]]);
  assert.deepEqual(result.actions.flatMap((a) => (a.type === "stalled" ? [a.atMs] : [])), [15]);
  const elsewhere = result.actions.find((a) => a.type === "state" && a.rule === 0 && a.state === "ready" && a.reason !== undefined);
  assert.equal(elsewhere?.type === "state" && elsewhere.reason, "small cannot run it (its inputs take 2 MB together, more than small's --disk (1 MB)): it runs elsewhere");
});

test("disk waits: when the only worker whose --disk holds the inputs has too few cores, the wait names the cores, and the rule runs when a worker with both joins (seed 53)", () => {
  const workflow4 = "big1:\n\t@CORES=4\n\tx\nsmall1:\n\t@CORES=4\n\tx\n";
  const result = simulate(planOf(workflow4), {
    seed: 53,
    scheduler: { executorsMayJoin: true },
    // small: the cores, not the disk; large: the disk, not the cores; both: joins later
    executors: [{ atMs: 0, executor: disked("small", 4, 1) }, { atMs: 0, executor: disked("large", 2, 10) }, { atMs: 1_000, executor: disked("large2", 2, 10) }, { atMs: 2_000, executor: disked("both", 4, 10) }],
    behaviour: behaviour(["big1", "small1"]),
  });
  assert.equal(result.ok, true, result.reason);
  const stalled = result.actions.flatMap((a) => (a.type === "stalled" ? [[a.atMs, a.reason]] : []));
  const reason = "waits for a worker with a larger --disk and 4 cores: its inputs take 2 MB together, more than small's --disk (1 MB); large, the only worker whose --disk holds them, has 2 cores";
  assert.deepEqual(stalled, [[0, reason], [1_000, reason.replace("large, the only worker whose --disk holds them, has", "the 2 workers whose --disk holds them have at most")]]);
  assert.deepEqual(result.actions.flatMap((a) => (a.type === "start" && a.rule === 0 ? [[a.executorId, a.atMs]] : [])), [["small", 0], ["both", 2_000]]);
});

test("disk waits: a worker that says before placement that a task's inputs pass its --disk (inputsOverDisk) never gets the task: no `running` there, and it waits, said once, for a worker that holds them (seed 54)", () => {
  const telling = (id: string, cores: number, diskMb: number): ExecutorInfo => ({
    ...disked(id, cores, diskMb),
    inputsOverDisk: (rule) => (names[rule]!.startsWith("big") && diskMb < 2 ? { reason: `its inputs take 2 MB together, more than ${id}'s --disk (${diskMb} MB)`, bytes: 2_000_000 } : undefined),
  });
  const result = simulate(planOf(workflow), {
    seed: 54,
    scheduler: { executorsMayJoin: true },
    executors: [{ atMs: 0, executor: telling("small", 1, 1) }, { atMs: 1_000, executor: telling("large", 1, 10) }],
    behaviour: behaviour(names),
  });
  assert.equal(result.ok, true, result.reason);
  const onSmall = result.actions.filter((a) => (a.type === "start" || (a.type === "state" && a.state === "running")) && names[a.rule]!.startsWith("big") && a.executorId === "small");
  assert.deepEqual(onSmall, [], "never placed on the small worker");
  assert.deepEqual(result.actions.flatMap((a) => (a.type === "stalled" ? [[a.atMs, a.rule, a.reason]] : [])), [[0, 1, "waits for a worker with a larger --disk: its inputs take 2 MB together, more than small's --disk (1 MB) (as does 1 more ready rule); the largest connected is small's (1 MB)"]]);
  assert.deepEqual(result.actions.flatMap((a) => (a.type === "start" && names[a.rule]!.startsWith("big") ? [[names[a.rule], a.executorId, a.atMs]] : [])), [["big1", "large", 1_000], ["big2", "large", 1_000]]);
});
