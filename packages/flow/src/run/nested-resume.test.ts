// A MAKEFLOW rule's targets are its nested workflow's files: a rerun after the nested run
// failed (or was interrupted) leaves them to the nested run, whose log says which are done.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-flow-nested-resume-");

test("nested resume: after a nested rule failed, a rerun does not redo the nested rules already done (as --dry-run says)", { timeout: 30_000 }, async () => {
  const root = workspace({
    "w.mf": "a b: sub.mf\n\tMAKEFLOW sub.mf\n",
    "sub.mf": "a:\n\techo a > a; echo a >> runs\nb: a\n\ttest -f ok && echo b > b && echo b >> runs\n",
  });
  const failed = await runIn(root);
  assert.notEqual(failed.code, 0);
  assert.equal(readFileSync(join(root, "runs"), "utf8"), "a\n");
  writeFileSync(join(root, "ok"), "");
  const preview = await runIn(root, { dryRun: true });
  assert.equal(preview.code, 0, preview.err);
  assert.ok(!preview.out.includes("echo a > a"), preview.out);
  assert.ok(!preview.err.includes("would keep"), preview.err);
  const again = await runIn(root);
  assert.equal(again.code, 0, again.err);
  assert.equal(readFileSync(join(root, "runs"), "utf8"), "a\nb\n", "a ran once");
  assert.ok(!again.err.includes("skein-old"), again.err);
});
