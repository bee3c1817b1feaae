// A stopped run says once what it left undone (killed, not started), not one `<rule>: waiting:` line per rule.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { waitFor } from "@skein/testkit";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-flow-stop-");

/** One rule failing (or not) at once, then 10 slow ones: at -j 2 most are queued in the launcher. */
const manySlow = (first: string) => `bad:\n\t${first}\n${Array.from({ length: 10 }, (_, i) => `o${i}:\n\tsleep 5; touch o${i}\n`).join("")}`;

test("stop summary: a rule failing for good at -j 2 says once how many queued rules were not started", async () => {
  const root = workspace({ "w.mf": manySlow("exit 3").replace(/sleep 5/g, "sleep 0.2") });
  const result = await runIn(root, { jobs: 2 });
  assert.equal(result.code, 1);
  assert.doesNotMatch(result.err, /: waiting:/);
  const lines = result.err.trim().split("\n");
  assert.match(lines.at(-2)!, /^skein flow: the run stopped with 8 rules queued, not started; a rerun runs them$/, result.err);
  assert.match(lines.at(-1)!, /^skein flow: stopped: rule 'bad' \(.*w\.mf:1:1\) failed: exit code 3$/);
});

test("stop summary: SIGINT names the killed rules once and counts the queued ones; --json says each rule's fate", async () => {
  const root = workspace({ "w.mf": manySlow("touch bad") });
  const running = runIn(root, { jobs: 2, json: true });
  // once `bad` is logged done, its core went to o1: o0 and o1 run, 8 wait in the launcher
  const log = join(root, "w.mf.skeinlog");
  await waitFor(realClock(), () => existsSync(log) && / 0 done /.test(readFileSync(log, "utf8")), 10_000, "rule bad done");
  process.kill(process.pid, "SIGINT");
  const result = await running;
  assert.equal(result.code, 130);
  assert.doesNotMatch(result.err, /: waiting:/);
  const lines = result.err.trim().split("\n");
  assert.match(lines.at(-2)!, /^skein flow: the run stopped with 2 rules running, killed \(o\d, o\d\), and 8 rules queued, not started; a rerun runs them$/, result.err);
  assert.equal(lines.at(-1), "skein flow: stopped: interrupted by SIGINT");
  const waiting = result.out.trim().split("\n").map((line) => JSON.parse(line)).filter((event) => event.state === "waiting");
  assert.equal(waiting.filter((event) => event.reason === "killed: the run stopped (interrupted by SIGINT)").length, 2);
  assert.equal(waiting.filter((event) => event.reason === "not started: the run stopped (interrupted by SIGINT)").length, 8);
});
