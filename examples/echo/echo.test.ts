import assert from "node:assert/strict";
import { test } from "node:test";
import { runScenario } from "@skein/sim";
import scenario from "./scenario.ts";

test("examples/echo: replies match requests, with and without faults (seed 1)", async () => {
  const quiet = await runScenario(scenario, { seed: 1 });
  assert.deepEqual(quiet.violations, []);
  assert.ok(quiet.messages.delivered > 100, `only ${quiet.messages.delivered} messages delivered`);
  const faulty = await runScenario(scenario, { seed: 1, nemesis: { meanIntervalMs: 200 } });
  assert.deepEqual(faulty.violations, []);
  assert.ok(Object.keys(faulty.faultsFired).length > 0, "the nemesis fired no fault");
  assert.notEqual(quiet.traceHash, faulty.traceHash);
});
