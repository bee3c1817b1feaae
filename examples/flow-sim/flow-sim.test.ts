import assert from "node:assert/strict";
import { test } from "node:test";
import { runScenario } from "@skein/sim";
import type { FlowRecord } from "./master.ts";
import scenario from "./scenario.ts";

test("flow-sim: without faults the workflow completes, each rule once (seed 1)", async () => {
  const result = await runScenario(scenario, { seed: 1 });
  assert.deepEqual(result.violations, []);
});

test("flow-sim: 60 seeds of crashing, partitioned, lossy workers — no rule completes twice, dependencies hold, the workflow finishes after heal", async () => {
  const fired: Record<string, number> = {};
  const counts = { lost: 0, retries: 0, fastAborts: 0 };
  for (let seed = 1; seed <= 60; seed++) {
    let record: FlowRecord | undefined;
    const result = await runScenario(
      { ...scenario, invariants: { ...scenario.invariants, observe: (sim) => void (record = sim.service<{ record: FlowRecord }>("master", "master")?.record) } },
      { seed, nemesis: true, hashTrace: false },
    );
    for (const key of ["lost", "retries", "fastAborts"] as const) counts[key] += record?.counts[key] ?? 0;
    assert.deepEqual(result.violations, [], `reproduce with: skein sim examples/flow-sim/scenario.ts --seed ${seed} --nemesis`);
    for (const [kind, count] of Object.entries(result.faultsFired)) fired[kind] = (fired[kind] ?? 0) + count;
  }
  for (const kind of ["crash", "partition", "dropped-by-loss"]) assert.ok((fired[kind] ?? 0) > 0, `${kind} never fired: ${JSON.stringify(fired)}`);
  assert.ok(counts.lost > 0 && counts.retries > 0 && counts.fastAborts > 0, `worker loss, retries and fast abort all happened: ${JSON.stringify(counts)}`);
});

test("flow-sim: the same seed gives the same trace", async () => {
  const first = await runScenario(scenario, { seed: 7, nemesis: true });
  const second = await runScenario(scenario, { seed: 7, nemesis: true });
  assert.equal(first.traceHash, second.traceHash);
});
