import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-stale-removal-");

/** Makes `path` immutable (chattr +i, root on a file system that has it), or says why not. */
function immutable(path: string): string | undefined {
  const made = spawnSync("chattr", ["+i", path], { encoding: "utf8" });
  return made.status === 0 ? undefined : `chattr +i does not work here: ${made.stderr.trim() || made.error?.message}`;
}

test("flow: a stale target that cannot be removed fails its rule, naming it (the command does not run), and --clean says which; no stack trace", async (t) => {
  // the first run starts the rule (it makes out/x, then fails): the log shows out/x is the workflow's
  const root = workspace({ "w.mf": "out/x:\n\tmkdir -p out; echo new > out/x; test -f go\nafter:\n\ttouch after\n" });
  assert.equal((await runIn(root)).code, 1);
  writeFileSync(join(root, "go"), "");
  const why = immutable(join(root, "out", "x"));
  if (why) return t.skip(why);
  try {
    const run = await runIn(root);
    assert.equal(run.code, 1, run.err);
    assert.match(run.err, /out\/x: failed: cannot remove out\/x \(EPERM\), left from an earlier run: the command was not started/);
    assert.match(run.err, /stopped: rule 'out\/x'/);
    const clean = await runIn(root, { clean: true });
    assert.equal(clean.code, 1);
    assert.match(clean.err, /--clean: cannot remove out\/x \(EPERM\)/);
  } finally {
    spawnSync("chattr", ["-i", join(root, "out", "x")]);
  }
});

test("flow: targets present before their rule ever ran are moved aside, never deleted; what the workflow made is removed on a rerun", async () => {
  const root = workspace({
    "d.mf": "results: data.txt\n\tmkdir -p results && cp data.txt results/\nlog.txt:\n\techo new >> log.txt\n",
    "data.txt": "data\n",
    "log.txt": "old1\nold2\n",
  });
  mkdirSync(join(root, "results"));
  writeFileSync(join(root, "results", "notes.md"), "mine\n");
  const run = await runIn(root, { file: join(root, "d.mf") });
  assert.equal(run.code, 0, run.err);
  assert.match(run.err, /skein flow: kept results \(not made by this workflow\) as results\.skein-old\n/);
  assert.match(run.err, /skein flow: kept log\.txt \(not made by this workflow\) as log\.txt\.skein-old\n/);
  assert.equal(readFileSync(join(root, "results.skein-old", "notes.md"), "utf8"), "mine\n");
  assert.equal(readFileSync(join(root, "log.txt.skein-old"), "utf8"), "old1\nold2\n");
  assert.equal(readFileSync(join(root, "results", "data.txt"), "utf8"), "data\n");
  assert.equal(readFileSync(join(root, "log.txt"), "utf8"), "new\n");
  // a rerun (its source changed): its own earlier output is removed, nothing more is set aside
  writeFileSync(join(root, "data.txt"), "data 2\n");
  const rerun = await runIn(root, { file: join(root, "d.mf") });
  assert.equal(rerun.code, 0, rerun.err);
  assert.doesNotMatch(rerun.err, /kept/);
  assert.ok(!existsSync(join(root, "results.skein-old.2")));
  assert.equal(readFileSync(join(root, "results", "data.txt"), "utf8"), "data 2\n");
});

test("flow: a directory target found before its rule ran, holding a named source and a file the workflow does not name, keeps that file out of its way; rerun and --clean never delete it", async () => {
  const flow = "d: in.txt\n\tmkdir -p d && cp in.txt d/made.txt\n\nout.txt: d/src.txt d\n\tcat d/src.txt d/made.txt > out.txt\n";
  const root = workspace({ "w.mf": flow, "in.txt": "hello\n" });
  mkdirSync(join(root, "d"));
  writeFileSync(join(root, "d", "src.txt"), "USERDATA\n");
  writeFileSync(join(root, "d", "extra.txt"), "userextra\n");
  const run = await runIn(root);
  assert.equal(run.code, 0, run.err);
  assert.match(run.err, /skein flow: kept what d holds that this workflow does not name \(d\/extra\.txt\) in d\.skein-old\n/);
  assert.equal(readFileSync(join(root, "out.txt"), "utf8"), "USERDATA\nhello\n");
  writeFileSync(join(root, "in.txt"), "v2\n");
  const rerun = await runIn(root);
  assert.equal(rerun.code, 0, rerun.err);
  assert.equal(readFileSync(join(root, "out.txt"), "utf8"), "USERDATA\nv2\n");
  assert.equal((await runIn(root, { clean: true })).code, 0);
  assert.equal(readFileSync(join(root, "d.skein-old", "extra.txt"), "utf8"), "userextra\n");
  assert.equal(readFileSync(join(root, "d", "src.txt"), "utf8"), "USERDATA\n");
});

test("flow: a rule whose targets are listed in another order still owns what it made: a rerun removes it, nothing is kept as .skein-old", async () => {
  const root = workspace({ "w.mf": "a b: in\n\ttouch a b\n", in: "" });
  assert.equal((await runIn(root)).code, 0);
  writeFileSync(join(root, "w.mf"), "b a: in\n\ttouch a b\n");
  const rerun = await runIn(root);
  assert.equal(rerun.code, 0, rerun.err);
  assert.doesNotMatch(rerun.err, /kept/);
  assert.ok(!existsSync(join(root, "a.skein-old")) && !existsSync(join(root, "b.skein-old")));
});

test("flow: a rule refused because its user's target could not be set aside is not logged as started, so the next run never deletes that target as the workflow's", async () => {
  const root = workspace({ "w.mf": "x: in\n\tcp in x\n", in: "made\n", x: "the user's own x\n" });
  // every name x may be set aside as is taken: the rule is refused, its command never runs
  for (let index = 1; index <= 9; index++) writeFileSync(join(root, index === 1 ? "x.skein-old" : `x.skein-old.${index}`), `taken ${index}\n`);
  for (let run = 0; run < 2; run++) {
    const result = await runIn(root);
    assert.equal(result.code, 1, result.err);
    assert.match(result.err, /cannot move x \(not made by this workflow\) aside/, `run ${run + 1}: refused again, not taken for the workflow's`);
    assert.equal(readFileSync(join(root, "x"), "utf8"), "the user's own x\n", `run ${run + 1}: x is the user's, untouched`);
  }
  const log = readFileSync(join(root, "w.mf.skeinlog"), "utf8");
  assert.doesNotMatch(log, / running /, log);
});
