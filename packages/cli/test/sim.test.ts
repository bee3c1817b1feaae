import assert from "node:assert/strict";
import { test } from "node:test";
import { skein } from "./run-cli.ts";

const twoPc = "examples/two-phase-commit/scenario.ts";

test("skein sim: the same seed gives the same trace hash, another seed another", () => {
  const runs = [42, 42, 43].map((seed) => skein(["sim", twoPc, "--seed", String(seed), "--json"]));
  for (const run of runs) assert.equal(run.status, 0, run.stderr);
  const [a, b, c] = runs.map((r) => JSON.parse(r.stdout));
  for (const field of ["seed", "events", "virtualTimeMs", "wallMs", "eventsPerSec", "traceHash", "violations", "faultsFired"]) assert.ok(field in a, `missing ${field}`);
  assert.equal(a.traceHash, b.traceHash);
  assert.notEqual(a.traceHash, c.traceHash);
  assert.equal(a.violations, 0);
});

test("skein sim --check-determinism: runs twice in fresh processes and compares traces", () => {
  const run = skein(["sim", twoPc, "--seed", "7", "--nemesis", "--check-determinism"]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /deterministic: seed 7 gave the same \d+-event trace twice/);
});

test("skein sim --seeds: a campaign with the nemesis sums violations and faults", () => {
  const run = skein(["sim", twoPc, "--seeds", "1..8", "--nemesis", "--json"]);
  assert.equal(run.status, 0, run.stderr);
  const summary = JSON.parse(run.stdout);
  assert.equal(summary.seeds, "1..8");
  assert.equal(summary.runs, 8);
  assert.equal(summary.violations, 0);
  assert.ok(summary.faultsFiredTotal > 0);
  assert.ok(summary.events > 0 && summary.eventsPerSec > 0);
});

test("skein sim: a violation exits 1 and prints how to reproduce it", () => {
  const run = skein(["sim", "packages/cli/test/fixtures/failing-scenario.ts", "--seed", "9", "--nemesis"]);
  assert.equal(run.status, 1);
  assert.match(run.stdout, /VIOLATION invariant beforeHundred/);
  assert.match(run.stderr, /reproduce with: skein sim packages\/cli\/test\/fixtures\/failing-scenario\.ts --seed 9 --nemesis/);
  const campaign = skein(["sim", "packages/cli/test/fixtures/failing-scenario.ts", "--seeds", "1..3", "--json"]);
  assert.equal(campaign.status, 1);
  assert.deepEqual(JSON.parse(campaign.stdout).failedSeeds, [1, 2, 3]);
});

test("skein sim: bad usage is a clear error with exit code 2", () => {
  const cases: Array<[string[], RegExp]> = [
    [["sim", twoPc, "--seeds", "5..1"], /--seeds: 5\.\.1 is empty/],
    [["sim", twoPc, "--nemesis", "crash,meteor"], /unknown fault kind 'meteor'/],
    [["sim", "no/such/file.ts"], /scenario file not found: no\/such\/file\.ts/],
    [["sim", "packages/cli/test/fixtures/not-a-scenario.ts"], /default export must be a scenario/],
    [["sim", twoPc, "--until", "soon"], /'soon' is not a duration/],
    [["sim"], /missing <scenario> file/],
    [["nonsense"], /unknown command 'nonsense'/],
  ];
  for (const [args, message] of cases) {
    const run = skein(args);
    assert.equal(run.status, 2, `${args.join(" ")}: ${run.stderr}`);
    assert.match(run.stderr, message);
  }
});
