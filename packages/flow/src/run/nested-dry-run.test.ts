// `--dry-run` lists what a nested workflow would run under its MAKEFLOW rule, as `make -n`
// recurses into sub-makes; a nested file not made yet is said, not read; nothing is written.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-flow-nested-dry-");

test("nested dry run: a nested workflow's commands are listed under its MAKEFLOW rule, indented per level (nested deeper too); nothing is written", async () => {
  const root = workspace({
    "w.mf": "a:\n\techo a > a\nout: sub.mf a\n\tMAKEFLOW sub.mf\n",
    "sub.mf": "s:\n\techo s > s\nout: leaf.mf s\n\tMAKEFLOW leaf.mf\n",
    "leaf.mf": "out:\n\techo leaf > out\n",
  });
  const result = await runIn(root, { dryRun: true });
  assert.equal(result.code, 0, result.err);
  assert.equal(result.out, "echo a > a\nLOCAL MAKEFLOW sub.mf\n  echo s > s\n  LOCAL MAKEFLOW leaf.mf\n    echo leaf > out\n");
  assert.deepEqual(readdirSync(root).sort(), ["leaf.mf", "sub.mf", "w.mf"], "no log, no lock, no target");
});

test("nested dry run: a nested workflow's rules its log finds done are not listed; one found done whole is not entered", async () => {
  const root = workspace({ "w.mf": "out: sub.mf\n\tMAKEFLOW sub.mf\n", "sub.mf": "x:\n\techo x > x\nout: x\n\tcp x out\n" });
  assert.equal((await runIn(root)).code, 0);
  assert.equal((await runIn(root, { dryRun: true })).out, "");
  const { rmSync } = await import("node:fs");
  rmSync(`${root}/out`);
  const result = await runIn(root, { dryRun: true });
  assert.equal(result.out, "LOCAL MAKEFLOW sub.mf\n  cp x out\n");
});

test("nested dry run: a nested file an earlier rule makes is not read (it is not there yet): a line says so", async () => {
  const root = workspace({ "w.mf": "sub.mf:\n\tprintf 'x:\\n\\techo x > x\\n' > sub.mf\nx: sub.mf\n\tMAKEFLOW sub.mf\n" });
  const result = await runIn(root, { dryRun: true });
  assert.equal(result.code, 0, result.err);
  assert.equal(result.out, `printf 'x:\\n\\techo x > x\\n' > sub.mf\nLOCAL MAKEFLOW sub.mf\n  # ${root}/sub.mf is made by rule 'sub.mf' first: what it runs is known once it is made\n`);
});

test("nested dry run: a nested workflow with an error is said on standard error and the dry run exits 1; one nesting itself does not recurse", async () => {
  const broken = workspace({ "w.mf": "out: sub.mf\n\tMAKEFLOW sub.mf\n", "sub.mf": "out:\n" });
  const result = await runIn(broken, { dryRun: true });
  assert.equal(result.code, 1);
  assert.match(result.err, /^skein flow: --dry-run: .*sub\.mf:1:1: /, result.err);
  const itself = workspace({ "w.mf": "out: sub.mf\n\tMAKEFLOW sub.mf\n", "sub.mf": "out: w.mf\n\tMAKEFLOW w.mf\n" });
  const again = await runIn(itself, { dryRun: true });
  assert.equal(again.code, 1);
  assert.match(again.err, /w\.mf nests itself/, again.err);
  assert.equal(again.out, `LOCAL MAKEFLOW sub.mf\n  LOCAL MAKEFLOW w.mf\n    # ${itself}/w.mf: cannot tell what it would run (see above)\n`);
});

test("nested dry run --json: a nested rule's object names its run and directory, as its run's events do", async () => {
  const root = workspace({ "w.mf": "out: sub.mf\n\tMAKEFLOW sub.mf\n", "sub.mf": "out:\n\techo x > out\n" });
  const result = await runIn(root, { dryRun: true, json: true });
  assert.equal(result.code, 0, result.err);
  assert.deepEqual(result.out.trim().split("\n").map((line) => JSON.parse(line)), [
    { rule: 0, target: "out", state: "would-run", command: "MAKEFLOW sub.mf", local: true },
    { rule: 0, target: "out", state: "would-run", command: "echo x > out", run: `${root}/sub.mf`, directory: root },
  ]);
});

test("nested dry run: a MAKEFLOW rule's directory an earlier rule makes is said, named from where skein started (--json: on standard error)", async () => {
  const root = workspace({ "w.mf": "d:\n\tmkdir d\nd/x: d s.mf\n\tMAKEFLOW s.mf d\n", "s.mf": "x:\n\techo x > x\n" });
  const result = await runIn(root, { dryRun: true });
  assert.equal(result.code, 0, result.err);
  assert.equal(result.out, `mkdir d\nLOCAL MAKEFLOW s.mf d\n  # the directory ${root}/d of ${root}/s.mf is made by rule 'd' first: what it runs is known once it is made\n`);
  const json = await runIn(root, { dryRun: true, json: true });
  assert.equal(json.out.trim().split("\n").length, 2, json.out);
  assert.equal(json.err, `skein flow: --dry-run: the directory ${root}/d of ${root}/s.mf is made by rule 'd' first: what it runs is known once it is made\n`);
});

test("nested dry run: a JSON \"workflow\" rule's \"directory\" is listed, as the Makeflow form's 'MAKEFLOW sub.mf d1' is (with --json too)", async () => {
  const { mkdirSync, writeFileSync } = await import("node:fs");
  const root = workspace({ "w.json": JSON.stringify({ rules: [{ outputs: ["d/o"], inputs: ["d/sub.json"], workflow: "sub.json", directory: "d" }, { outputs: ["e f/o"], inputs: ["e f/sub.json"], workflow: "sub.json", directory: "e f" }] }) });
  for (const directory of ["d", "e f"]) {
    mkdirSync(`${root}/${directory}`);
    writeFileSync(`${root}/${directory}/sub.json`, JSON.stringify({ rules: [{ outputs: ["o"], command: "touch o" }] }));
  }
  const result = await runIn(root, { dryRun: true, file: `${root}/w.json` });
  assert.equal(result.code, 0, result.err);
  assert.equal(result.out, "LOCAL MAKEFLOW sub.json d\n  touch o\nLOCAL MAKEFLOW sub.json 'e f'\n  touch o\n");
  const json = await runIn(root, { dryRun: true, json: true, file: `${root}/w.json` });
  assert.equal(JSON.parse(json.out.split("\n")[0]!).command, "MAKEFLOW sub.json d");
});
