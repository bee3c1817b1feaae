// A nested run's messages name its files as the top run's do: as the user would, from where
// skein started (the top workflow given as a relative path: every name relative too).
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-flow-nested-names-");

test("nested names: a nested workflow's error and its failed rule's location name the file relative to where skein started, as the top run's do, never absolute", { timeout: 30_000 }, async () => {
  const root = workspace({ "w.mf": "out: sub.mf\n\tMAKEFLOW sub.mf\n", "sub.mf": "x:\n\techo x > x\n\ny: nosuch\n\tfalse\n" });
  const typed = relative(process.cwd(), root); // as a user in this directory would type it
  const broken = await runIn(root, { file: join(typed, "w.mf") });
  assert.equal(broken.code, 1);
  const why = `${typed}/sub.mf:4:4: source 'nosuch' is not made by any rule and does not exist`;
  // said once, as the MAKEFLOW rule's failure (the nested run printed it bare, unlabelled, first)
  assert.equal(broken.err, `skein flow: out: failed: nested workflow ${typed}/sub.mf failed: ${why}\nskein flow: stopped: rule 'out' (${typed}/w.mf:1:1) failed: nested workflow ${typed}/sub.mf failed: ${why}\n`);
  writeFileSync(join(root, "sub.mf"), "y:\n\texit 3\n");
  const failed = await runIn(root, { file: join(typed, "w.mf") });
  assert.equal(failed.code, 1);
  assert.ok(failed.err.startsWith(`skein flow: ${typed}/sub.mf: y: failed: exit code 3\nskein flow: ${typed}/sub.mf: stopped: rule 'y' (${typed}/sub.mf:1:1) failed: exit code 3\n`), failed.err);
  for (const err of [broken.err, failed.err]) assert.doesNotMatch(err, /(^|[ (])\//m, "an absolute path in a message");
});

test("nested names: a run nested deeper is labelled by its own file (not the chain of files around it); one given a directory says it", { timeout: 30_000 }, async () => {
  // one run each: a failure in one would stop the other starting its rule (nested-drain.test.ts)
  const root = workspace({ "w.mf": "out:\n\tMAKEFLOW sub/sub.mf\n", "v.mf": "other:\n\tMAKEFLOW sub/leaf.mf e\n" });
  mkdirSync(join(root, "sub"));
  mkdirSync(join(root, "e"));
  writeFileSync(join(root, "sub", "sub.mf"), "out:\n\tMAKEFLOW sub/leaf.mf\n"); // a nested file is relative to the directory it runs in
  writeFileSync(join(root, "sub", "leaf.mf"), "z:\n\texit 4\n");
  const typed = relative(process.cwd(), root);
  const result = await runIn(root, { file: join(typed, "w.mf") });
  assert.equal(result.code, 1);
  const lines = result.err.trim().split("\n");
  assert.ok(lines.includes(`skein flow: ${typed}/sub/leaf.mf: stopped: rule 'z' (${typed}/sub/leaf.mf:1:1) failed: exit code 4`), result.err);
  assert.ok(lines.includes(`skein flow: ${typed}/sub/sub.mf: stopped: rule 'out' (${typed}/sub/sub.mf:1:1) failed: nested workflow ${typed}/sub/leaf.mf failed: rule 'z' (${typed}/sub/leaf.mf:1:1) failed: exit code 4`), result.err);
  const other = await runIn(root, { file: join(typed, "v.mf") });
  assert.equal(other.code, 1);
  assert.ok(other.err.trim().split("\n").includes(`skein flow: ${typed}/sub/leaf.mf (in ${typed}/e): stopped: rule 'z' (${typed}/sub/leaf.mf:1:1) failed: exit code 4`), other.err);
});

test("nested directory: a MAKEFLOW rule's directory that does not exist, or is a file, fails the rule saying so, starting no command in it", { timeout: 30_000 }, async () => {
  const root = workspace({ "w.mf": "out:\n\tMAKEFLOW sub.mf nodir\nother:\n\tMAKEFLOW sub.mf afile\n", "sub.mf": "out:\n\techo x > out\n", afile: "" });
  const typed = relative(process.cwd(), root);
  const result = await runIn(root, { file: join(typed, "w.mf") });
  assert.equal(result.code, 1);
  const lines = result.err.trim().split("\n");
  assert.ok(lines.includes(`skein flow: ${typed}/sub.mf (in ${typed}/nodir): cannot run ${typed}/sub.mf in ${typed}/nodir: no such directory`), result.err);
  assert.ok(lines.includes(`skein flow: ${typed}/sub.mf (in ${typed}/afile): cannot run ${typed}/sub.mf in ${typed}/afile: not a directory`), result.err);
  assert.doesNotMatch(result.err, /launcher|exit code 127/);
});

test("nested names: a file nested two deep, in a directory, is named one way in every message: from where skein started (not as its MAKEFLOW rule wrote it)", { timeout: 30_000 }, async () => {
  const root = workspace({ "w.mf": "out: sub/s.mf\n\tMAKEFLOW sub/s.mf sub\n" });
  mkdirSync(join(root, "sub", "deep"), { recursive: true });
  writeFileSync(join(root, "sub", "s.mf"), "out: deep/d.mf\n\tMAKEFLOW deep/d.mf\n");
  writeFileSync(join(root, "sub", "deep", "d.mf"), "out:\n\texit 3\n");
  const typed = relative(process.cwd(), root);
  const result = await runIn(root, { file: join(typed, "w.mf") });
  assert.equal(result.code, 1);
  assert.ok(result.err.includes(`nested workflow ${typed}/sub/deep/d.mf failed: rule 'out' (${typed}/sub/deep/d.mf:1:1) failed: exit code 3`), result.err);
  assert.doesNotMatch(result.err, /[ (]deep\/d\.mf/, "deep/d.mf named as written, relative to sub/");
});

test("nested conflicts: one workflow run at once by rules of two workflows (one nested) fails the second naming the first, not on the log's lock", { timeout: 30_000 }, async () => {
  // a.mf's rule starts sub.mf only once w.mf's own sub.mf run is under way (its rule made `started`)
  const root = workspace({
    "w.mf": "a: a.mf\n\tMAKEFLOW a.mf\nb: sub.mf\n\tMAKEFLOW sub.mf\n",
    "a.mf": "wait:\n\twhile [ ! -e started ]; do sleep 0.05; done; touch wait\na: sub.mf wait\n\tMAKEFLOW sub.mf\n",
    "sub.mf": "b:\n\ttouch started; while [ ! -e a.mf.skeinlog ] || ! grep -q ' failed ' a.mf.skeinlog; do sleep 0.05; done; touch b\na:\n\ttouch a\n",
  });
  const typed = relative(process.cwd(), root);
  const result = await runIn(root, { file: join(typed, "w.mf"), jobs: 3 });
  assert.equal(result.code, 1);
  assert.ok(result.err.includes(`nested workflow ${typed}/sub.mf already runs, for rule 'b' (${typed}/w.mf:3:1), and neither rule waits for the other`), result.err);
  assert.doesNotMatch(result.err, /in use by|\.lock/);
});
