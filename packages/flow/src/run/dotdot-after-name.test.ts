// A `..` after a name is kept as written (`a/../out` is not `out` when `a` is a link): by --clean's
// list and by a nested workflow's directory, as by the commands.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-flow-dotdot-after-");

/** A workspace with `a` → `b/c`: `a/..` is `b`. */
function linked(files: Record<string, string>): string {
  const root = workspace(files);
  mkdirSync(join(root, "b", "c"), { recursive: true });
  symlinkSync(join("b", "c"), join(root, "a"));
  return root;
}

test("dotdot after a name: --clean --dry-run lists targets 'out' and 'a/../out' apart, as --clean removes both", async () => {
  const root = linked({ "w.mf": "out:\n\techo 1 > out\na/../out:\n\techo 2 > a/../out\n" });
  assert.equal((await runIn(root)).code, 0);
  assert.equal(readFileSync(join(root, "b", "out"), "utf8"), "2\n");
  const dry = await runIn(root, { clean: true, dryRun: true });
  assert.deepEqual(dry.out.split("\n").filter(Boolean), ["out", "a/../out", "w.mf.skeinlog"]);
  assert.match(dry.err, /would remove 2 files and 1 log/);
  const clean = await runIn(root, { clean: true });
  assert.match(clean.err, /removed 2 files and 1 log/);
  assert.ok(!existsSync(join(root, "out")) && !existsSync(join(root, "b", "out")));
});

test("dotdot after a name: a nested workflow's directory 'a/../d' is where the kernel takes it (b/d), not d", async () => {
  const root = linked({ "w.mf": "a/../d/x: sub.mf\n\tMAKEFLOW sub.mf a/../d\n", "sub.mf": "x:\n\techo x > x\n" });
  mkdirSync(join(root, "b", "d"));
  const result = await runIn(root);
  assert.equal(result.code, 0, result.err);
  assert.equal(readFileSync(join(root, "b", "d", "x"), "utf8"), "x\n");
  assert.ok(!existsSync(join(root, "d")));
});
