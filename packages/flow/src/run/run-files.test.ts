import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, rmSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-flow-run-files-");

test("run files: a pipe given as the workflow (a FIFO, /dev/stdin) is refused at once, naming it; it hung reading a FIFO with no writer", { timeout: 30_000 }, async (t) => {
  const root = workspace({});
  const fifo = join(root, "w.mf");
  if (spawnSync("mkfifo", [fifo]).status !== 0) return t.skip("no mkfifo here");
  const result = await runIn(root);
  assert.deepEqual([result.code, result.err], [1, `skein flow: ${fifo}: is a pipe, not a workflow file (a run keeps its log beside the file and runs in its directory); write the workflow to a file\n`]);
  assert.ok(!existsSync(`${fifo}.skeinlog.lock`), "no lock left behind");
});

test("run files: a nested workflow file replaced by a pipe since its run is neither read to decide the rerun nor by --clean (both hung); its run names it", { timeout: 30_000 }, async (t) => {
  const root = workspace({ "w.mf": "out:\n\tMAKEFLOW sub.mf\n", "sub.mf": "out:\n\ttouch out\n" });
  assert.equal((await runIn(root)).code, 0);
  const sub = join(root, "sub.mf");
  rmSync(sub);
  if (spawnSync("mkfifo", [sub]).status !== 0) return t.skip("no mkfifo here");
  utimesSync(sub, new Date(0), new Date(0)); // older than the run: the MAKEFLOW rule's source did not change
  const rerun = await runIn(root);
  assert.equal(rerun.code, 1);
  assert.match(rerun.err, /sub\.mf: is a pipe, not a workflow file/);
  const clean = await runIn(root, { clean: true });
  assert.equal(clean.code, 0, clean.err);
});
