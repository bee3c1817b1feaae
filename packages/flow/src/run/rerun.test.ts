import assert from "node:assert/strict";
import { readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-flow-rerun-");

/** When the log says rule `rule` was last done (epoch ms). */
function doneAtMs(root: string, rule: number): number {
  const lines = readFileSync(join(root, "w.mf.skeinlog"), "utf8").split("\n");
  const done = lines.filter((line) => line.split(" ")[1] === String(rule) && line.split(" ")[2] === "done");
  return Number(done[done.length - 1]!.split(" ")[0]);
}

test("rerun: a source file modified after its rule was done reruns that rule and what depends on it, nothing else", async () => {
  const root = workspace({ "w.mf": "all: a b\n\tcat a b > all\na: one\n\tcat one > a\nb: two\n\tcat two > b\n", one: "1\n", two: "2\n" });
  assert.equal((await runIn(root)).code, 0);
  assert.match((await runIn(root)).err, /nothing to do/);
  writeFileSync(join(root, "two"), "2, edited\n");
  // its time a millisecond after b was done (a fresh write could fall in the same millisecond)
  const after = (doneAtMs(root, 2) + 1) / 1000;
  utimesSync(join(root, "two"), after, after);
  const again = await runIn(root, { json: true });
  assert.equal(again.code, 0, again.err);
  const ran = again.out.split("\n").filter(Boolean).map((line) => JSON.parse(line)).filter((event) => event.state === "done").map((event) => event.target);
  assert.deepEqual(ran.sort(), ["all", "b"]);
  assert.equal(readFileSync(join(root, "all"), "utf8"), "1\n2, edited\n");
  assert.match((await runIn(root)).err, /nothing to do/);
});

test("rerun: a source older than the rule's completion does not rerun it; a directory source is not compared", async () => {
  const root = workspace({ "w.mf": "a: one\n\tcat one > a\nlist: .\n\tls one > list\n", one: "1\n" });
  assert.equal((await runIn(root)).code, 0);
  const before = (doneAtMs(root, 0) - 1000) / 1000;
  utimesSync(join(root, "one"), before, before);
  writeFileSync(join(root, "unrelated"), "x\n"); // changes the directory's time
  assert.match((await runIn(root)).err, /nothing to do/);
});
