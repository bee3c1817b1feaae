import assert from "node:assert/strict";
import { test } from "node:test";
import { runScenario } from "@skein/sim";
import scenario from "./scenario.ts";

test("gossip-counter: views converge after heal over 50 seeds of faults", async () => {
  let faults = 0;
  for (let seed = 1; seed <= 50; seed++) {
    const result = await runScenario(scenario, { seed, nemesis: true, hashTrace: false });
    assert.deepEqual(result.violations, [], `reproduce with: skein sim examples/gossip-counter/scenario.ts --seed ${seed} --nemesis`);
    faults += Object.values(result.faultsFired).reduce((a, b) => a + b, 0);
  }
  assert.ok(faults > 100, `only ${faults} faults fired`);
});

test("gossip-counter: without heal there is no convergence guarantee — a permanent partition is caught", async () => {
  const result = await runScenario(
    {
      ...scenario,
      script: (sim) => sim.at(0, () => sim.faults.partition(["n1"])),
      // keep n1 cut off through the liveness phase by re-partitioning after the heal
      liveness: { ...scenario.liveness!, withinMs: 2_000 },
      setup: (sim) => sim.at(10_000.5, () => sim.faults.partition(["n1"])),
    },
    { seed: 1 },
  );
  assert.equal(result.ok, false);
  assert.equal(result.violations[0]!.kind, "liveness");
});
