// Every example runs in CI, so what a newcomer copies always works.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

const here = new URL(".", import.meta.url).pathname;
const repository = join(here, "../..");
const skein = join(repository, "packages/cli/bin/skein.js");

test("examples/ftsh/retry-on-virtual-time.ts prints the same run every time (seed 7)", () => {
  const run = () => spawnSync(process.execPath, ["--import", "tsx", join(here, "retry-on-virtual-time.ts")], { encoding: "utf8" });
  const first = run();
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /round 0 failed, waiting \d+ ms/);
  assert.match(first.stdout, /data from mirror-c \(after 9 requests\)/);
  assert.match(first.stdout, /forAll finished in parallel: 8, 8, 8/);
  assert.equal(run().stdout, first.stdout, "virtual time: byte-for-byte the same output");
});

test("examples/ftsh/mirror.ftsh takes the data from the mirror that has it", () => {
  const dir = mkdtempSync(join(tmpdir(), "skein-mirror-"));
  try {
    mkdirSync(join(dir, "broken"));
    mkdirSync(join(dir, "good"));
    writeFileSync(join(dir, "good", "data.txt"), "fresh data\n");
    const run = spawnSync(process.execPath, [skein, "ftsh", "-q", join(here, "mirror.ftsh"), join(dir, "broken"), join(dir, "good")], {
      encoding: "utf8",
    });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, `got 'fresh data' from ${join(dir, "good")}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
