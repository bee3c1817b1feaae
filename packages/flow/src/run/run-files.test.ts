import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
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
