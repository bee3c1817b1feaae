import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { buildCli } from "./build-cli.ts";

test("build-cli: the standalone bundle runs flow, worker and ftsh without tsx", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "skein-bundle-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bundle = await buildCli(dir);
  assert.ok(existsSync(join(dir, "launcher.c")) && existsSync(join(dir, "launcher.pl")));
  const script = `const { main } = await import(${JSON.stringify(bundle)}); process.exitCode = await main(process.argv.slice(1));`;
  for (const command of ["flow", "worker", "ftsh"]) {
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script, command, "--help"], { encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`usage: skein ${command}`));
  }
  const unknown = spawnSync(process.execPath, ["--input-type=module", "-e", script, "sim"], { encoding: "utf8" });
  assert.equal(unknown.status, 2, "sim loads user TypeScript and must not be in the bundle");
});
