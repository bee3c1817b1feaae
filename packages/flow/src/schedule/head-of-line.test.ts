import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { plan } from "../plan/plan.ts";
import { type SimulatedTask, simulate, worker } from "../testing/simulated-cluster.ts";
import { setAsideRulesMax } from "./dispatch.ts";
import type { ExecutorInfo, TaskOutcome } from "./types.ts";

const planOf = (text: string) => plan(parseMakeflow(text, { file: "w.mf" }), { exists: () => true });
const ok = { ok: true } as const;
const disked = (id: string, cores: number, diskMb: number, pipelineCores = 2 * cores): ExecutorInfo => worker(id, cores, { capacity: { cores, memoryMb: 1_000_000, diskMb, gpus: 0 }, pipelineCores });
const names = (count: number, prefix: string) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

/** Rules named big* have 2 MB of inputs and take 100 ms; the others 10 ms. A worker with less --disk refuses big ones, as worker-connection.ts does. */
const behaviour = (ruleNames: string[], disks: Record<string, number>) => ({ executorId, rule }: SimulatedTask): { durationMs: number; outcome: TaskOutcome } => {
  const big = ruleNames[rule]!.startsWith("big");
  if (big && disks[executorId]! < 2) return { durationMs: 0, outcome: { ok: false, reason: `its inputs take 2 MB together, more than ${executorId}'s --disk (${disks[executorId]} MB)`, elsewhere: true, inputBytes: 2_000_000 } };
  return { durationMs: big ? 100 : 10, outcome: ok };
};

test("head of line: rules whose inputs only the large worker's --disk holds do not hold back the small rules of their class while it is busy (seed 61)", () => {
  // the small rules wait for gate, so they queue behind big rules already refused by the small worker
  const ruleNames = [...names(8, "big"), "gate", ...names(8, "small")];
  const result = simulate(planOf(ruleNames.map((name) => `${name}:${name.startsWith("small") ? " gate" : ""}\n\tx`).join("\n")), {
    seed: 61,
    scheduler: { executorsMayJoin: true },
    executors: [{ atMs: 0, executor: disked("small", 1, 1) }, { atMs: 0, executor: disked("large", 1, 10) }],
    behaviour: behaviour(ruleNames, { small: 1, large: 10 }),
  });
  assert.equal(result.ok, true, result.reason);
  const ran = result.actions.flatMap((a) => (a.type === "state" && a.state === "done" ? [[ruleNames[a.rule], a.executorId, a.atMs]] : []));
  const small = ran.filter(([name]) => String(name).startsWith("small"));
  // gate is done at 10 ms; the small worker then runs the 8 small rules back to back (they held it up until 380 ms)
  assert.deepEqual(small.map(([, executorId, atMs]) => [executorId, atMs]), [20, 30, 40, 50, 60, 70, 80, 90].map((atMs) => ["small", atMs]), JSON.stringify(ran));
  assert.equal(result.endMs, 800, "the large worker ran the big rules back to back; the small one ran the rest meanwhile");
});

test("head of line: a straggler on the only worker with enough cores is left to run there, not aborted to rerun in the same place (seed 62)", () => {
  const workflow = planOf(names(20, "r").map((name) => `${name}:\n\t@CORES=2\n\tx`).join("\n"));
  const result = simulate(workflow, {
    seed: 62,
    scheduler: { executorsMayJoin: true, fastAbortMultiplier: 3, fastAbortDefaultCategory: true, fastAbortSamplesMin: 5, fastAbortSlackMs: 5 },
    executors: [{ atMs: 0, executor: worker("big", 4) }, { atMs: 0, executor: worker("small", 1) }],
    behaviour: ({ rule, attempt }, random) => ({ durationMs: rule === 15 && attempt === 1 ? 100_000 : 10 + random(), outcome: ok }),
    timeLimitMs: 200_000,
  });
  assert.equal(result.ok, true, result.reason);
  assert.deepEqual(result.actions.flatMap((a) => (a.type === "start" && a.rule === 15 ? [a.executorId] : [])), ["big"]);
  assert.deepEqual(result.actions.filter((a) => a.type === "abort"), []);
  assert.ok(result.endMs >= 100_000, `the straggler ran once, to its end: ${result.endMs}`);
});

test("head of line: rules set aside for a large worker that leaves wait for the next large one; more than setAsideRulesMax of them still all run (seed 63)", () => {
  const ruleNames = [...names(setAsideRulesMax + 50, "big"), "gate", ...names(20, "small")];
  const result = simulate(planOf(ruleNames.map((name) => `${name}:${name.startsWith("small") ? " gate" : ""}\n\tx`).join("\n")), {
    seed: 63,
    scheduler: { executorsMayJoin: true },
    executors: [{ atMs: 0, executor: disked("small", 1, 1) }, { atMs: 0, executor: disked("large", 1, 10) }, { atMs: 5_000, executor: disked("large2", 4, 10) }],
    departures: [{ atMs: 150, executorId: "large" }],
    behaviour: behaviour(ruleNames, { small: 1, large: 10, large2: 10 }),
  });
  assert.equal(result.ok, true, result.reason);
  const doneOn = new Map(result.actions.flatMap((a) => (a.type === "state" && a.state === "done" ? [[ruleNames[a.rule]!, [a.executorId, a.atMs] as const]] : [])));
  assert.equal(doneOn.size, ruleNames.length);
  for (const [name, [executorId, atMs]] of doneOn) {
    if (name.startsWith("small")) assert.ok(executorId === "small" && atMs < 5_000, `${name} ran on the small worker while the big ones waited: ${executorId} at ${atMs}`);
    else if (name.startsWith("big")) assert.ok(executorId === "large" || executorId === "large2", `${name} ran on ${executorId}`);
  }
  assert.ok(result.actions.some((a) => a.type === "stalled" && a.atMs === 150), "said once the large worker left");
});
