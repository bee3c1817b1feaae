import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-refused-log-");

test("flow: a run refused whole before anything starts (a rule needing more memory than the machine has) leaves no log behind", async () => {
  const root = workspace({ "w.mf": "MEMORY=999999999\na:\n\ttouch a\n" });
  const run = await runIn(root);
  assert.equal(run.code, 1);
  assert.match(run.err, /999999999 MB memory/);
  assert.deepEqual(readdirSync(root), ["w.mf"]);
});
