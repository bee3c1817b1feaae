// A rerun enters a nested workflow found done when something it reads changed since: an input
// of a nested rule, a workflow file nested deeper; with nothing changed it has nothing to do.
import assert from "node:assert/strict";
import { readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-flow-nested-rerun-");

/** Rewrites `path` after a run: its modification time is later than the run's (the file system's clock may be coarse). */
function edit(path: string, text: string, runLog: string): void {
  writeFileSync(path, text);
  const after = new Date(statSync(runLog).mtimeMs + 5);
  utimesSync(path, after, after);
}

test("nested rerun: an input of a nested rule edited since the run reruns that rule and what depends on it, around it too", { timeout: 30_000 }, async () => {
  const root = workspace({ "w.mf": "out: sub.mf\n\tMAKEFLOW sub.mf\nall: out\n\tcat out > all\n", "sub.mf": "x: in\n\tcat in > x\nout: x\n\tcat x > out\n", in: "v1\n" });
  assert.equal((await runIn(root)).code, 0);
  const same = await runIn(root);
  assert.equal(same.err, "skein flow: nothing to do, every rule is done\n");
  edit(join(root, "in"), "v2\n", join(root, "w.mf.skeinlog"));
  const again = await runIn(root);
  assert.equal(again.code, 0, again.err);
  assert.equal(readFileSync(join(root, "all"), "utf8"), "v2\n", again.err);
});

test("nested rerun: a workflow file nested deeper, edited since the run, reruns its nested run", { timeout: 30_000 }, async () => {
  const root = workspace({ "w.mf": "out: sub.mf\n\tMAKEFLOW sub.mf\n", "sub.mf": "out: leaf.mf\n\tMAKEFLOW leaf.mf\n", "leaf.mf": "out:\n\techo v1 > out\n" });
  assert.equal((await runIn(root)).code, 0);
  edit(join(root, "leaf.mf"), "out:\n\techo v2 > out\n", join(root, "w.mf.skeinlog"));
  const again = await runIn(root);
  assert.equal(again.code, 0, again.err);
  assert.equal(readFileSync(join(root, "out"), "utf8"), "v2\n", again.err);
  assert.equal((await runIn(root)).err, "skein flow: nothing to do, every rule is done\n");
});
