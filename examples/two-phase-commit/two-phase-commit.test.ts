import assert from "node:assert/strict";
import { test } from "node:test";
import { defineScenario, runScenario } from "@skein/sim";
import scenario, { twoPhaseCommitCluster } from "./scenario.ts";

test("2pc: commits and aborts transactions without faults (seed 42)", async () => {
  const result = await runScenario(scenario, { seed: 42 });
  assert.deepEqual(result.violations, []);
  assert.equal(result.messages.dropped, 0);
});

test("2pc: a campaign of 200 seeds with the nemesis keeps atomicity and converges", async () => {
  const fired: Record<string, number> = {};
  for (let seed = 1; seed <= 200; seed++) {
    const result = await runScenario(scenario, { seed, nemesis: true, hashTrace: false });
    assert.deepEqual(result.violations, [], `reproduce with: skein sim examples/two-phase-commit/scenario.ts --seed ${seed} --nemesis`);
    for (const [k, v] of Object.entries(result.faultsFired)) fired[k] = (fired[k] ?? 0) + v;
  }
  for (const kind of ["crash", "power-loss", "partition", "one-way-partition", "dropped-by-loss", "duplicated", "delayed", "skew"]) {
    assert.ok((fired[kind] ?? 0) > 0, `${kind} never fired`);
  }
});

test("2pc: the campaign catches a participant that votes yes before its vote is durable", async () => {
  const broken = defineScenario({ ...scenario, name: "2pc-broken", cluster: ({ nodes }) => twoPhaseCommitCluster(nodes, { syncBeforeVote: false }) });
  let caught: string | undefined;
  for (let seed = 1; seed <= 200 && !caught; seed++) {
    const result = await runScenario(broken, { seed, nemesis: true, hashTrace: false });
    if (!result.ok) caught = `${result.violations[0]!.name}: ${result.violations[0]!.message}`;
  }
  assert.ok(caught, "200 seeds of faults did not expose the bug");
  assert.match(caught, /^(atomicity|validity)/);
});
