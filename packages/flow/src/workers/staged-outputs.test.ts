// Where a worker's outputs land on the master before the rename into place.
import assert from "node:assert/strict";
import { test } from "node:test";
import { stagedPath } from "./staged-outputs.ts";

test("staged outputs (upstream TR_makeflow_001_dirs_06): a file inside a directory target lands in the directory's tree, whichever target is written first", () => {
  // `mydir/1.txt mydir/2.txt mydir: input` on -T workers: 1.txt landed beside its own target,
  // then mydir was renamed into place over it without it: the run said done, mydir was empty
  for (const order of [["mydir/1.txt", "mydir/2.txt", "mydir"], ["mydir", "mydir/1.txt", "mydir/2.txt"]]) {
    const outputs = new Map(order.map((name) => [name, `/w/${name}`]));
    assert.deepEqual(stagedPath(outputs, "mydir/1.txt"), { root: "/w/mydir.skein-part", path: "/w/mydir.skein-part/1.txt" });
    assert.deepEqual(stagedPath(outputs, "mydir"), { root: "/w/mydir.skein-part", path: "/w/mydir.skein-part" });
  }
  const nested = new Map([["a/b/c", "/w/a/b/c"], ["a/b", "/w/a/b"], ["a", "/w/a"], ["ab", "/w/ab"]]);
  assert.equal(stagedPath(nested, "a/b/c/d")?.path, "/w/a.skein-part/b/c/d");
  assert.equal(stagedPath(nested, "ab")?.path, "/w/ab.skein-part");
  assert.equal(stagedPath(nested, "other"), undefined);
});
