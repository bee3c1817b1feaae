import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-set-aside-json-");

test("flow --json: a target kept as <target>.skein-old is a set-aside event, before its rule's running event", async () => {
  const root = workspace({ "w.mf": "notes.md:\n\techo made > notes.md\n" });
  writeFileSync(join(root, "notes.md"), "the user's\n");
  const run = await runIn(root, { json: true });
  assert.equal(run.code, 0, run.err);
  const events = run.out.split("\n").filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
  const aside = events.findIndex((event) => event.state === "set-aside");
  assert.ok(aside >= 0, run.out);
  assert.deepEqual({ ...events[aside], timeMs: 0 }, { timeMs: 0, rule: 0, target: "notes.md", state: "set-aside", aside: "notes.md.skein-old" });
  const running = events.findIndex((event) => event.rule === 0 && event.state === "running");
  assert.ok(aside < running);
  // in time order: the set-aside carries its batch's time, as the batch's state events do
  const times = events.map((event) => event.timeMs as number);
  assert.deepEqual(times, [...times].sort((a, b) => a - b), run.out);
});

test("flow --json: a set-aside event says why when the workflow made the target but it changed since", async () => {
  const root = workspace({ "w.mf": "a b: in.txt\n\tcat in.txt > a; cat in.txt > b\n", "in.txt": "in\n" });
  assert.equal((await runIn(root)).code, 0);
  writeFileSync(join(root, "b"), "in\nHAND\n");
  writeFileSync(join(root, "w.mf"), "a: in.txt\n\tcat in.txt > a\nb: in.txt\n\tcat in.txt > b\n");
  const run = await runIn(root, { json: true });
  assert.equal(run.code, 0, run.err);
  const aside = run.out.split("\n").filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>).find((event) => event.state === "set-aside");
  assert.deepEqual(aside && { ...aside, timeMs: 0, rule: 0 }, { timeMs: 0, rule: 0, target: "b", state: "set-aside", aside: "b.skein-old", reason: "changed since the workflow made it" }, run.out);
});
