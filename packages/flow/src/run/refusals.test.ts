// Rules no executor could ever run are refused before anything runs: shown as refused (never
// run), not failed, in messages, --json, --dot and the bar, and the stop line names them all.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";
import { progressLine } from "./progress.ts";

const workspace = workspaces("skein-flow-refusals-");
/** More memory than any machine has (MB). */
const huge = "MEMORY=999999999";

test("refusals: every rule of a class no executor could run is refused, never run, and the stop line names them all", async () => {
  const root = workspace({ "w.mf": ["a:\n\ttouch a", huge, "b:\n\ttouch b", "c: a\n\ttouch c", "CATEGORY=other", "GPUS=999", "d:\n\ttouch d"].join("\n") });
  const result = await runIn(root, { json: true, dotFile: join(root, "g.dot") });
  assert.equal(result.code, 1);
  const events = result.out.trim().split("\n").map((line) => JSON.parse(line));
  const refused = events.filter((event) => event.state === "refused").map((event) => event.target);
  assert.deepEqual(refused, ["b", "c", "d"], result.out);
  assert.equal(events.filter((event) => event.state === "failed").length, 0, "a rule that never ran is not failed");
  assert.match(result.err, /^skein flow: 2 rules refused, never run \(b, c\): needs 999999999 MB memory; this machine has \d+ MB memory$/m);
  assert.match(result.err, /^skein flow: d: refused, never run: needs 999999999 MB memory, 999 GPUs; this machine has \d+ MB memory, \d+ GPUs? \((counted from|none found:) .*\)$/m);
  assert.doesNotMatch(result.err, /: failed:/);
  const stop = result.err.trim().split("\n").at(-1)!;
  assert.match(stop, /^skein flow: stopped: 3 rules can never run here, refused: 'b' \(.*w\.mf:4:1\), 'c' \(.*w\.mf:6:1\), 'd' \(.*w\.mf:10:1\) \(what each needs is said above\)$/, result.err);
  assert.equal(events.at(-1).reason, stop.slice("skein flow: stopped: ".length));
  const dot = readFileSync(join(root, "g.dot"), "utf8");
  assert.equal(dot.match(/\(refused, never run\)/g)?.length, 3, dot);
  assert.match(dot, /touch a\n\(waiting\)/, "a rule that could run, left by the refused run, is not refused");
  // it was never started: its last event says so, as a stop's other rules' do
  const last = events.filter((event) => event.target === "a").at(-1);
  assert.deepEqual([last.state, last.reason], ["waiting", `not started: the run stopped (${stop.slice("skein flow: stopped: ".length)})`]);
});

test("refusals: one refused rule is named with what it lacks; many are a bounded list", async () => {
  const one = await runIn(workspace({ "w.mf": `a:\n\ttouch a\n${huge}\nb:\n\ttouch b\n` }));
  assert.match(one.err.trim().split("\n").at(-1)!, /^skein flow: stopped: rule 'b' \(.*w\.mf:4:1\) can never run here, refused: needs 999999999 MB memory; this machine has \d+ MB memory$/, one.err);
  const many = await runIn(workspace({ "w.mf": `${huge}\n${Array.from({ length: 13 }, (_, i) => `o${i}:\n\ttouch o${i}\n`).join("")}` }));
  const lines = many.err.trim().split("\n");
  assert.equal(lines[0], `skein flow: 13 rules refused, never run (o0, o1, o2, o3, o4, o5, o6, o7, o8, o9, and 3 more): needs 999999999 MB memory; this machine has ${lines[0]!.match(/has (\d+) MB/)![1]} MB memory`);
  assert.match(lines.at(-1)!, /^skein flow: stopped: 13 rules can never run here, refused: 'o0' \(.*w\.mf:2:1\), .*'o9' \(.*w\.mf:20:1\), and 3 more: needs 999999999 MB memory; this machine has \d+ MB memory$/);
});

test("refusals: the bar counts refused rules apart from failed ones", () => {
  const counts = { waiting: 1, ready: 0, running: 0, retrying: 0, done: 0, failed: 3 };
  assert.equal(progressLine({ counts, refused: 2, elapsedMs: 1000, ended: true }, 200), "[#######################-------] waiting 1  running 0  done 0  failed 1  refused 2");
  assert.equal(progressLine({ counts, refused: 2, elapsedMs: 1000, ended: true }, 40), "wait 1 run 0 done 0 fail 1 ref 2");
});
