import assert from "node:assert/strict";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-moved-rules-");

test("flow: a rule added above done rules does not rerun them, and --clean still removes what they made", async () => {
  const root = workspace({ "w.mf": "a:\n\techo a > a\nb: a\n\tcat a > b\n" });
  assert.equal((await runIn(root)).code, 0);
  writeFileSync(join(root, "w.mf"), "first:\n\techo first > first\na:\n\techo a > a\nb: a\n\tcat a > b\n");
  const again = await runIn(root);
  assert.equal(again.code, 0, again.err);
  assert.match(again.err, /done, 1 rule ran/, "only the new rule runs");
  const cleaned = await runIn(root, { clean: true });
  assert.match(cleaned.err, /removed 3 files and 1 log/);
  assert.deepEqual(readdirSync(root).sort(), ["w.mf"]);
  assert.ok(!existsSync(join(root, "a")));
});
