import assert from "node:assert/strict";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-target-places-");

test("flow: a target that is the workflow's directory (or holds it, or is its log) is refused before anything is removed, by a run and by --clean", async () => {
  for (const [target, problem] of [
    ["./", /w\.mf:3:1: target '\.' is the workflow's directory/],
    ["..", /w\.mf:3:1: target '\.\.' holds the workflow's directory/],
    ["w.mf.skeinlog", /w\.mf:3:1: target 'w\.mf\.skeinlog' is the workflow's transaction log/],
  ] as const) {
    const parent = workspace({});
    const root = join(parent, "work");
    mkdirSync(root);
    writeFileSync(join(root, "w.mf"), `x: precious\n\tcp precious x\n${target}:\n\ttrue\n`);
    writeFileSync(join(root, "precious"), "the user's data\n");
    for (const clean of [false, true]) {
      const run = await runIn(root, { clean });
      assert.equal(run.code, 1, `${target}: ${run.err}`);
      assert.match(run.err, problem);
      assert.ok(existsSync(join(root, "precious")) && existsSync(join(root, "w.mf")), `${target}: the workflow and its sources are still there`);
    }
  }
});

test("flow: a nested workflow's target that holds its own workflow file is refused too; ordinary targets are not", async () => {
  const root = workspace({ "w.mf": "out: inner/w.mf\n\tMAKEFLOW inner/w.mf .\n" });
  mkdirSync(join(root, "inner"));
  writeFileSync(join(root, "inner", "w.mf"), "out:\n\techo made > out\ninner:\n\ttrue\n");
  const run = await runIn(root);
  assert.equal(run.code, 1, run.err);
  assert.match(run.err, /target 'inner' holds the workflow file \(.*inner\/w\.mf\)/);
  assert.ok(existsSync(join(root, "inner", "w.mf")));
});

test("flow: a target reaching the workflow's directory through '..' after a name (sub/.., sub/../.., x/../../work) is refused before anything is removed or set aside, by a run and by --clean", async () => {
  for (const [target, problem] of [
    ["sub/..", /w\.mf:3:1: target 'sub\/\.\.' is the workflow's directory/],
    ["sub/../..", /w\.mf:3:1: target 'sub\/\.\.\/\.\.' holds the workflow's directory/],
    ["nothing/../../work", /w\.mf:3:1: target 'nothing\/\.\.\/\.\.\/work' is the workflow's directory/],
    ["sub/../w.mf", /w\.mf:3:1: target 'sub\/\.\.\/w\.mf' is the workflow file/],
    ["$(D)/..", /w\.mf:4:1: target 'sub\/\.\.' is the workflow's directory/],
  ] as const) {
    const parent = workspace({});
    const root = join(parent, "work");
    mkdirSync(join(root, "sub"), { recursive: true });
    // the target's rule is on line 3 (line 4 after `D=sub`)
    writeFileSync(join(root, "w.mf"), `${target.startsWith("$") ? "D=sub\n" : ""}x: precious\n\tcp precious x\n${target}: precious\n\ttouch stamp\n`);
    writeFileSync(join(root, "precious"), "the user's data\n");
    writeFileSync(join(parent, "sibling"), "next to the workflow\n");
    for (const clean of [false, true]) {
      const run = await runIn(root, { clean });
      assert.equal(run.code, 1, `${target}: ${run.err}`);
      assert.match(run.err, problem, target);
      assert.ok(existsSync(join(root, "precious")) && existsSync(join(root, "w.mf")) && existsSync(join(parent, "sibling")), `${target}: the workflow, its sources and its neighbours are still there`);
      assert.ok(!existsSync(`${root}.skein-old`) && !existsSync(join(root, "stamp")), `${target}: nothing ran, nothing was set aside`);
    }
  }
});
