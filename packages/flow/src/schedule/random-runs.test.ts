import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { plan } from "../plan/plan.ts";
import { seededRandom, simulate, worker } from "../testing/simulated-cluster.ts";
import type { ExecutorInfo, TaskOutcome } from "./types.ts";

const planOf = (text: string) => plan(parseMakeflow(text, { file: "w.mf" }), { exists: () => true });

/**
 * One random run: 20–80 rules (some depending on earlier ones, some needing 2–4 cores, some with
 * 2 MB of inputs), 2–5 workers of 1–4 cores and 1 or 10 MB of --disk joining in the first 200 ms
 * (some leaving), and a 4-core 10 MB worker at 2 s that stays; flaky commands, stragglers.
 */
function randomRun(seed: number) {
  const random = seededRandom(seed * 7919);
  const count = 20 + Math.floor(random() * 60);
  const big = new Set<number>();
  const lines: string[] = [];
  for (let rule = 0; rule < count; rule++) {
    const dependency = rule > 0 && random() < 0.3 ? ` o${Math.floor(random() * rule)}` : "";
    if (random() < 0.2) big.add(rule);
    lines.push(`o${rule}:${dependency}\n\t@CORES=${random() < 0.2 ? 2 + Math.floor(random() * 3) : 1}\n\tx`);
  }
  // half the runs with workers that tell before placement that big inputs pass their --disk, half without
  const tell = random() < 0.5;
  const joining = (id: string, cores: number, diskMb: number, pipelineCores: number): ExecutorInfo => {
    const overDisk = (rule: number) => (big.has(rule) && diskMb < 2 ? { reason: `its inputs take 2 MB, more than ${id}'s --disk (${diskMb} MB)`, bytes: 2_000_000 } : undefined);
    return worker(id, cores, { capacity: { cores, memoryMb: 1_000_000, diskMb, gpus: 0 }, pipelineCores, ...(tell ? { inputsOverDisk: overDisk } : {}) });
  };
  const executors: Array<{ atMs: number; executor: ExecutorInfo }> = [];
  const departures: Array<{ atMs: number; executorId: string }> = [];
  for (let k = 0, workers = 2 + Math.floor(random() * 4); k < workers; k++) {
    const cores = 1 + Math.floor(random() * 4);
    executors.push({ atMs: Math.floor(random() * 200), executor: joining(`w${k}`, cores, random() < 0.5 ? 1 : 10, random() < 0.5 ? 2 * cores : 0) });
    if (random() < 0.3) departures.push({ atMs: 50 + Math.floor(random() * 300), executorId: `w${k}` });
  }
  executors.push({ atMs: 2_000, executor: joining("last", 4, 10, 8) });
  const disks = new Map(executors.map(({ executor }) => [executor.id, executor.capacity.diskMb]));
  return simulate(planOf(lines.join("\n")), {
    seed,
    scheduler: { executorsMayJoin: true, retryCount: 2, backoff: { initialMs: 5 }, fastAbortMultiplier: 3, fastAbortDefaultCategory: true, fastAbortSamplesMin: 5, fastAbortSlackMs: 2 },
    executors,
    departures,
    timeLimitMs: 10_000_000,
    behaviour: ({ rule, executorId, attempt }, draw): { durationMs: number; outcome: TaskOutcome } => {
      if (big.has(rule) && disks.get(executorId)! < 2) return { durationMs: 0, outcome: { ok: false, reason: "its inputs pass this worker's --disk", elsewhere: true, inputBytes: 2_000_000 } };
      const straggler = attempt === 1 && draw() < 0.05;
      return { durationMs: straggler ? 5_000 : 5 + draw() * 10, outcome: draw() < 0.05 ? { ok: false, reason: "flaky" } : { ok: true } };
    },
  });
}

test("scheduler: random runs with workers of every size joining and leaving, disk refusals, retries and fast aborts all end: done, or failed for a flaky command (seeds 1–120)", () => {
  for (let seed = 1; seed <= 120; seed++) {
    const result = randomRun(seed); // throws if the run never ends (a rule left ready with no one to place it)
    if (!result.ok) assert.match(result.reason!, /failed: flaky$/, `seed ${seed}`);
  }
});
