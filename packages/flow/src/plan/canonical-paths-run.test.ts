// End to end through the built `skein` binary: a rule reading `/abs/dir/b` waits for the rule
// making `b` (before, both started at once: `a` read the stale `b`, or none while b's stale
// target was being removed), `--clean` removes the file once, and a -T local run accepts an
// absolute source (it is not a renaming).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { temporaryDirectories } from "../../test/temporary.ts";

const skein = new URL("../../../cli/bin/skein.js", import.meta.url).pathname;
const temporary = temporaryDirectories("skein-canonical-paths-");

function flow(root: string, ...args: string[]): { status: number | null; stderr: string } {
  return spawnSync(process.execPath, [skein, "flow", ...args, "-j", "4", "--no-progress"], { cwd: root, encoding: "utf8", timeout: 60_000 });
}

test("flow binary: 'a: /abs/dir/b' waits for the rule making b; --clean removes each target once and nothing else", () => {
  const root = join(temporary(), "err");
  mkdirSync(root);
  writeFileSync(join(root, "M"), `a: ${root}/b\n\tcat ${root}/b > a\nb:\n\tsleep 0.3; echo new > b\n`);
  writeFileSync(join(root, "b"), "stale\n");
  writeFileSync(join(root, "precious"), "the user's\n");
  const run = flow(root, "M");
  assert.equal(run.status, 0, run.stderr);
  assert.equal(readFileSync(join(root, "a"), "utf8"), "new\n");
  const clean = flow(root, "--clean", "M");
  assert.equal(clean.status, 0, clean.stderr);
  assert.match(clean.stderr, /removed 2 files and 1 log/);
  assert.ok(!existsSync(join(root, "a")) && !existsSync(join(root, "b")) && existsSync(join(root, "precious")));
});

test("flow binary: a target made twice through ../<dir>/x, and a self-cycle through it, are refused before anything runs", () => {
  const root = join(temporary(), "err");
  mkdirSync(root);
  writeFileSync(join(root, "M"), "x:\n\techo 1 > x\n../err/x:\n\techo 2 > x\n");
  const twice = flow(root, "M");
  assert.equal(twice.status, 1);
  assert.match(twice.stderr, /M:3:1: target '\.\.\/err\/x' is made by two rules \(also at M:1:1, as 'x'\)/);
  assert.ok(!existsSync(join(root, "x")), "nothing ran");
  writeFileSync(join(root, "C"), "x: ../err/x\n\techo > x\n");
  const cycle = flow(root, "C");
  assert.equal(cycle.status, 1);
  assert.match(cycle.stderr, /C:1:1: the rules form a cycle \(each is needed to make the next\): x -> x/);
});
