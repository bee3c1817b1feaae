import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-flow-clean-");
const pipeline = "out.txt: input.txt\n\tcp input.txt out.txt\nsum.txt: out.txt\n\twc -c out.txt > sum.txt\n";

test("clean: --clean --dry-run lists what --clean would remove and removes nothing", async () => {
  const root = workspace({ "w.mf": pipeline, "input.txt": "data\n" });
  assert.equal((await runIn(root)).code, 0);
  const before = readdirSync(root).sort();
  const dry = await runIn(root, { clean: true, dryRun: true });
  assert.equal(dry.code, 0, dry.err);
  assert.deepEqual(dry.out.split("\n").filter(Boolean), ["out.txt", "sum.txt", "w.mf.skeinlog"]);
  assert.match(dry.err, /would remove 2 files and 1 log; nothing was removed/);
  assert.deepEqual(readdirSync(root).sort(), before);
  const real = await runIn(root, { clean: true });
  assert.match(real.err, /removed 2 files and 1 log/);
  assert.deepEqual(readdirSync(root).sort(), ["input.txt", "w.mf"]);
});

test("clean: a source deleted since the run does not stop --clean", async () => {
  const root = workspace({ "w.mf": pipeline, "input.txt": "data\n" });
  assert.equal((await runIn(root)).code, 0);
  rmSync(join(root, "input.txt"));
  const result = await runIn(root, { clean: true });
  assert.equal(result.code, 0, result.err);
  assert.deepEqual(readdirSync(root).sort(), ["w.mf"]);
});

test("clean: a rule whose command was edited after it ran still has its targets removed; an unrun rule's file stays", async () => {
  const root = workspace({ "w.mf": "o:\n\techo v1 > o\n" });
  assert.equal((await runIn(root)).code, 0);
  // the command changes (same target); a new rule names a file the workflow never made
  writeFileSync(join(root, "w.mf"), "o:\n\techo v2 > o\nhand.txt:\n\techo made > hand.txt\n");
  writeFileSync(join(root, "hand.txt"), "written by hand\n");
  const result = await runIn(root, { clean: true });
  assert.equal(result.code, 0, result.err);
  assert.match(result.err, /removed 1 file and 1 log/);
  assert.ok(!existsSync(join(root, "o")), "the edited rule's target is removed");
  assert.ok(existsSync(join(root, "hand.txt")), "a file no run of the workflow made stays");
});

test("clean: files already gone are not counted as removed", async () => {
  const root = workspace({ "w.mf": pipeline, "input.txt": "data\n" });
  assert.equal((await runIn(root)).code, 0);
  rmSync(join(root, "sum.txt"));
  const result = await runIn(root, { clean: true });
  assert.match(result.err, /removed 1 file and 1 log/);
});

test("clean: a directory target is emptied around the sources the workflow reads inside it; they stay", async () => {
  const root = workspace({ "w.mf": "res:\n\tmkdir -p res; touch res/stamp\nb: res/config res\n\tcat res/config > b\n" });
  mkdirSync(join(root, "res"));
  writeFileSync(join(root, "res", "config"), "precious");
  const result = await runIn(root);
  assert.equal(result.code, 0, result.err);
  assert.equal((await runIn(root, { clean: true })).code, 0);
  assert.deepEqual(readdirSync(join(root, "res")), ["config"]);
  assert.deepEqual(readdirSync(root).sort(), ["res", "w.mf"]);
});

test("clean: --clean --dry-run says a directory target is emptied around the files the workflow names in it (text and --json), as --clean does", async () => {
  const root = workspace({ "w.mf": "res:\n\tmkdir -p res; touch res/stamp\nres/x: res\n\ttouch res/x\nb: res/config res\n\tcat res/config > b\n" });
  mkdirSync(join(root, "res"));
  writeFileSync(join(root, "res", "config"), "precious");
  assert.equal((await runIn(root)).code, 0);
  const dry = await runIn(root, { clean: true, dryRun: true });
  assert.equal(dry.code, 0, dry.err);
  // one path a line, each removed whole: what goes of res (not res/config), res/x, nothing twice
  assert.deepEqual(dry.out.split("\n").filter(Boolean), ["res/stamp", "res/x", "b", "w.mf.skeinlog"]);
  const json = await runIn(root, { clean: true, dryRun: true, json: true });
  const lines = json.out.split("\n").filter(Boolean).map((line) => JSON.parse(line));
  // res/x goes as its own rule's target: not kept
  assert.deepEqual(lines[0], { path: "res", kind: "file", state: "would-remove", except: ["res/config"] });
  assert.deepEqual(lines[1], { path: "res/x", kind: "file", state: "would-remove" });
  assert.equal((await runIn(root, { clean: true })).code, 0);
  assert.deepEqual(readdirSync(join(root, "res")), ["config"], "what the dry run said stays, stays (res/x goes as its own rule's target)");
});

test("clean: a directory target whose only named file inside is another rule's target goes whole; --clean --dry-run lists it once, a path a line", async () => {
  const root = workspace({ "w.mf": "res:\n\tmkdir -p res/tmp; touch res/stamp res/tmp/t\nres/x: res\n\ttouch res/x\n" });
  assert.equal((await runIn(root)).code, 0);
  const dry = await runIn(root, { clean: true, dryRun: true });
  assert.deepEqual(dry.out.split("\n").filter(Boolean), ["res", "w.mf.skeinlog"], "res/x goes with res: not listed again");
  assert.match(dry.err, /would remove 1 file and 1 log/);
  const json = await runIn(root, { clean: true, dryRun: true, json: true });
  assert.deepEqual(json.out.split("\n").filter(Boolean).map((line) => JSON.parse(line).path), ["res", "w.mf.skeinlog"], "--json names what the plain list does");
  assert.match(json.err, /would remove 1 file and 1 log/);
  assert.equal((await runIn(root, { clean: true })).code, 0);
  assert.deepEqual(readdirSync(root), ["w.mf"], "res was left behind, empty");
});

test("clean: --clean --dry-run lists the entries a directory target loses around a named file, each once, removed whole", async () => {
  const root = workspace({ "w.mf": "res:\n\tmkdir -p res/tmp res/keep; touch res/tmp/t res/keep/junk\nout: res/keep/config res\n\tcat res/keep/config > out\n" });
  mkdirSync(join(root, "res", "keep"), { recursive: true });
  writeFileSync(join(root, "res", "keep", "config"), "precious");
  assert.equal((await runIn(root)).code, 0);
  const dry = await runIn(root, { clean: true, dryRun: true });
  assert.deepEqual(dry.out.split("\n").filter(Boolean).sort(), ["out", "res/keep/junk", "res/tmp", "w.mf.skeinlog"]);
  assert.equal((await runIn(root, { clean: true })).code, 0);
  assert.deepEqual(readdirSync(join(root, "res"), { recursive: true }).sort(), ["keep", "keep/config"]);
});

test("clean: a nested workflow's target that cannot be removed is named from the top workflow's directory, as --clean --dry-run lists it", async (t) => {
  const root = workspace({ "w.mf": "d/x: sub.mf\n\tMAKEFLOW sub.mf d\n", "sub.mf": "x:\n\techo x > x\n" });
  mkdirSync(join(root, "d"));
  assert.equal((await runIn(root)).code, 0);
  const made = spawnSync("chattr", ["+i", join(root, "d", "x")], { encoding: "utf8" });
  if (made.status !== 0) return t.skip(`chattr +i does not work here: ${made.stderr.trim() || made.error?.message}`);
  try {
    assert.ok((await runIn(root, { clean: true, dryRun: true })).out.split("\n").includes("d/x"));
    const clean = await runIn(root, { clean: true });
    assert.equal(clean.code, 1);
    assert.equal(clean.err, "skein flow: --clean: cannot remove d/x (EPERM)\n");
  } finally {
    spawnSync("chattr", ["-i", join(root, "d", "x")]);
  }
});

test("clean: without a log --clean removes nothing and says which of the workflow's targets exist, failing", async () => {
  const root = workspace({ "w.mf": pipeline, "input.txt": "data\n" });
  assert.equal((await runIn(root)).code, 0);
  rmSync(join(root, "w.mf.skeinlog"));
  for (const dryRun of [true, false]) {
    const result = await runIn(root, { clean: true, dryRun });
    assert.equal(result.code, 1, result.err);
    assert.equal(result.out, "");
    assert.equal(result.err, `skein flow: --clean: no log ${join(root, "w.mf")}.skeinlog: nothing is known to be made by this workflow, so nothing was removed; 2 of its targets exist (remove by hand what it made)\n`);
  }
  assert.deepEqual(readdirSync(root).sort(), ["input.txt", "out.txt", "sum.txt", "w.mf"]);
});

test("clean: without a log and with none of its targets present, --clean has nothing to do", async () => {
  const root = workspace({ "w.mf": pipeline, "input.txt": "data\n" });
  const result = await runIn(root, { clean: true });
  assert.equal(result.code, 0, result.err);
  assert.equal(result.err, "skein flow: removed 0 files and 0 logs\n");
});

test("clean: a nested workflow that never ran (no log of its own) is not read: one that does not even parse leaves --clean of the rest working", async () => {
  const root = workspace({ "w.mf": "a:\n\techo > a\nd/o: d/sub.mf a\n\tMAKEFLOW sub.mf d\n" });
  mkdirSync(join(root, "d"));
  writeFileSync(join(root, "d", "sub.mf"), "o:\n\techo $(Y) > o\n");
  const run = await runIn(root);
  assert.equal(run.code, 1, "the nested workflow's $(Y) is unset");
  assert.ok(existsSync(join(root, "a")));
  const clean = await runIn(root, { clean: true });
  assert.equal(clean.code, 0, clean.err);
  assert.deepEqual(readdirSync(root).sort(), ["d", "w.mf"]);
  assert.deepEqual(readdirSync(join(root, "d")), ["sub.mf"]);
});
