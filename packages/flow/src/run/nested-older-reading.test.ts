import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-flow-nested-older-");

test("nested: a 'MAKEFLOW inner.mf sub' read as older upstream did (sub/inner.mf) is done on the next run; its dependants do not rerun", async () => {
  const root = workspace({ "w.mf": "sub/x.txt:\n\tMAKEFLOW inner.mf sub\nafter: sub/x.txt\n\tcat sub/x.txt >> after\n" });
  mkdirSync(join(root, "sub"));
  writeFileSync(join(root, "sub", "inner.mf"), "x.txt:\n\techo x > x.txt\n");
  const first = await runIn(root);
  assert.equal(first.code, 0, first.err);
  assert.match(first.err, /done, 2 rules ran\n$/);
  const second = await runIn(root);
  assert.equal(second.code, 0, second.err);
  assert.equal(second.err, "skein flow: nothing to do, every rule is done\n");
});
