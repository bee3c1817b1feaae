import assert from "node:assert/strict";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-local-executor-");

test("local executor: a command that did not create many targets names the first ten and counts the rest, on one short line", async () => {
  const targets = Array.from({ length: 1_000 }, (_, i) => `t${i}`);
  const root = workspace({ "w.mf": `${targets.join(" ")}:\n\ttouch t0\n` });
  const run = await runIn(root);
  assert.equal(run.code, 1);
  assert.match(run.err, /t0: failed: the command succeeded but did not create t1, t2, t3, t4, t5, t6, t7, t8, t9, t10 and 989 more\n/);
  assert.ok(run.err.length < 1_000, `${run.err.length} characters`);
});
