// Files outside the workflow's directory have an absolute DAG name (`../data/x` is `/tmp/…/data/x`),
// but every place the user reads shows them as the workflow wrote them.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-flow-written-");

/** `root/w/w.mf` holding `text`, and `root/data/in`; returns root and how to run the workflow. */
function outside(text: string): { root: string; run: typeof runIn } {
  const root = workspace({});
  mkdirSync(join(root, "w"));
  mkdirSync(join(root, "data"));
  writeFileSync(join(root, "w", "w.mf"), text);
  writeFileSync(join(root, "data", "in"), "in\n");
  return { root, run: (_, init = {}) => runIn(join(root, "w"), init) };
}

test("written names: a missing target and the rule that stopped the run are named as written, not by their absolute DAG name", async () => {
  const { root, run } = outside("../data/out: ../data/in\n\ttrue\n");
  const result = await run(root);
  assert.equal(result.code, 1);
  assert.match(result.err, /\.\.\/data\/out: failed: the command succeeded but did not create \.\.\/data\/out\n/);
  assert.match(result.err, /stopped: rule '\.\.\/data\/out' \(.*w\.mf:1:1\) failed/);
  assert.doesNotMatch(result.err, new RegExp(`${root}/data`));
});

test("written names: --json events name a rule by its first target as written", async () => {
  const { root, run } = outside("../data/made: ../data/in\n\tcp ../data/in ../data/made\n");
  const result = await run(root, { json: true });
  assert.equal(result.code, 0, result.err);
  const targets = new Set(result.out.trim().split("\n").map((line) => JSON.parse(line)).filter((event) => event.rule !== undefined).map((event) => event.target));
  assert.deepEqual([...targets], ["../data/made"]);
});

test("written names: --dot keeps one node per file but labels it as written", async () => {
  const { root, run } = outside("");
  // the second rule reads the same file by its absolute name: still one node
  writeFileSync(join(root, "w", "w.mf"), `../data/made: ../data/in\n\tcp ../data/in ../data/made\nlast: ${root}/data/made\n\ttouch last\n`);
  const dot = join(root, "g.dot");
  assert.equal((await run(root, { dotFile: dot })).code, 0);
  const text = readFileSync(dot, "utf8");
  assert.match(text, new RegExp(`"${root}/data/made" \\[shape=ellipse, label="\\.\\./data/made"\\];`), text);
  assert.match(text, new RegExp(`"${root}/data/in" \\[shape=ellipse, label="\\.\\./data/in"\\];`), text);
  assert.match(text, /"last" \[shape=ellipse\];/);
  assert.equal(text.split("\n").filter((line) => line.includes("shape=ellipse")).length, 3, text);
});

test("written names: --clean --dry-run lists a file outside the directory as written", async () => {
  const { root, run } = outside("../data/made: ../data/in\n\tcp ../data/in ../data/made\n");
  assert.equal((await run(root)).code, 0);
  const dry = await run(root, { clean: true, dryRun: true });
  assert.equal(dry.code, 0, dry.err);
  assert.deepEqual(dry.out.split("\n").filter(Boolean), ["../data/made", "w.mf.skeinlog"]);
});

test("written names: a nested workflow that does not make a target names it as written", async () => {
  const { root, run } = outside("../data/out: sub.mf\n\tMAKEFLOW sub.mf\n");
  writeFileSync(join(root, "w", "sub.mf"), "x:\n\ttouch x\n");
  const result = await run(root);
  assert.equal(result.code, 1);
  assert.match(result.err, /did not create \.\.\/data\/out\n/);
});
