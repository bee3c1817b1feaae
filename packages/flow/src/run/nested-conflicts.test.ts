import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-flow-nested-conflicts-");
const sub = "x:\n\techo x > x\ny:\n\techo y > y\n";

test("nested conflicts: two MAKEFLOW rules running one file in one directory at once are a workflow error naming both, before anything runs", async () => {
  const root = workspace({ "w.mf": "d/x: sub.mf\n\tMAKEFLOW sub.mf d\nd/y: sub.mf\n\tMAKEFLOW sub.mf d/\n", "sub.mf": sub });
  mkdirSync(join(root, "d"));
  for (const dryRun of [false, true]) {
    const result = await runIn(root, { dryRun });
    assert.equal(result.code, 1);
    const w = join(root, "w.mf");
    assert.equal(result.err, `${w}:3:1: rules 'd/x' (${w}:1:1) and 'd/y' (${w}:3:1) both run ${root}/sub.mf in ${root}/d, and neither waits for the other: they would run it twice at once, on the same files and log; make one depend on the other, or keep one\n`);
  }
});

test("nested conflicts: the same nested run one after the other (a rule waits for the other), or in two directories, is no conflict", async () => {
  const root = workspace({ "w.mf": "d/x: sub.mf\n\tMAKEFLOW sub.mf d\nd/y: sub.mf d/x\n\tMAKEFLOW sub.mf d\ne/x: sub.mf\n\tMAKEFLOW sub.mf e\n", "sub.mf": sub });
  mkdirSync(join(root, "d"));
  mkdirSync(join(root, "e"));
  const result = await runIn(root);
  assert.equal(result.code, 0, result.err);
  assert.equal(readFileSync(join(root, "d", "y"), "utf8"), "y\n");
  assert.equal(readFileSync(join(root, "e", "x"), "utf8"), "x\n");
});

test("nested conflicts: two rules spelling one nested run two ways (`sub.mf`, `./e/../sub.mf`) name it one way, from where skein started, not as the second rule spelled it", async () => {
  const root = workspace({ "w.mf": "d/x: sub.mf\n\tMAKEFLOW sub.mf d\nd/y: sub.mf\n\tMAKEFLOW ./e/../sub.mf d\n", "sub.mf": sub });
  mkdirSync(join(root, "d"));
  mkdirSync(join(root, "e"));
  const result = await runIn(root, { dryRun: true });
  assert.equal(result.code, 1);
  const w = join(root, "w.mf");
  assert.equal(result.err, `${w}:3:1: rules 'd/x' (${w}:1:1) and 'd/y' (${w}:3:1) both run ${root}/sub.mf in ${root}/d, and neither waits for the other: they would run it twice at once, on the same files and log; make one depend on the other, or keep one\n`);
  // a relative top workflow: one rule naming the file absolutely, the other relatively, each as written
  const typed = relative(process.cwd(), root);
  writeFileSync(join(root, "w.mf"), `d/x: sub.mf\n\tMAKEFLOW sub.mf d\nd/y: ${root}/sub.mf\n\tMAKEFLOW ${root}/sub.mf d\n`);
  const mixed = await runIn(root, { file: join(typed, "w.mf"), dryRun: true });
  assert.match(mixed.err, new RegExp(`run ${typed}/sub\\.mf in ${typed}/d and ${root}/sub\\.mf in ${typed}/d, the same workflow in the same directory, and neither waits`), mixed.err);
});
