// A failure in the enclosing run stops a nested run starting rules, as it stops the
// enclosing run's own: its running commands finish, its queued rules are not started, and a
// rerun resumes where it stopped.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-flow-nested-drain-");

test("nested drain: a rule of the enclosing run failing for good lets the nested run's running command finish and starts none of its later rules; a rerun resumes", { timeout: 30_000 }, async () => {
  const root = workspace({ "w.mf": "b:\n\tsleep 0.3; test -e go && touch b\nd/x: d/sub.mf\n\tMAKEFLOW sub.mf d\n" });
  mkdirSync(join(root, "d"));
  writeFileSync(join(root, "d", "sub.mf"), "a1:\n\tsleep 1; echo 1 >> ran; touch a1\na2: a1\n\tsleep 1; echo 2 >> ran; touch a2\na3: a2\n\tsleep 1; echo 3 >> ran; touch a3\nx: a3\n\ttouch x\n");
  const result = await runIn(root);
  assert.equal(result.code, 1);
  assert.equal(readFileSync(join(root, "d", "ran"), "utf8"), "1\n", "the running command finished; no later rule started");
  assert.ok(!existsSync(join(root, "d", "a2")));
  assert.match(result.err, /stopped: rule 'b' .*failed/);
  writeFileSync(join(root, "go"), "");
  const again = await runIn(root);
  assert.equal(again.code, 0, again.err);
  assert.equal(readFileSync(join(root, "d", "ran"), "utf8"), "1\n2\n3\n", "the rerun resumed after a1");
});
