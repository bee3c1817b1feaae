// A stopped run with a nested workflow in progress ends only after the nested run has ended,
// and the nested run's own lines say which workflow they come from.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { waitFor } from "@skein/testkit";
import { runIn, workspaces } from "../../test/flow-run.ts";
import { LocalExecutor } from "../executors/local-executor.ts";
import type { TaskOutcome } from "../schedule/types.ts";
import type { Rule } from "../workflow.ts";

const workspace = workspaces("skein-flow-nested-stop-");

/** w.mf nests sub.mf, whose rule waits for a file `go` that the test makes only before the rerun. */
const nestedSlow = { "w.mf": "out: sub.mf\n\tMAKEFLOW sub.mf\nafter: out\n\tcat out > after\n", "sub.mf": "out:\n\ttest -e go && touch out || sleep 30\n" };

const subRunning = (root: string) => () => existsSync(join(root, "sub.mf.skeinlog")) && / 0 running /.test(readFileSync(join(root, "sub.mf.skeinlog"), "utf8"));

test("nested stop: SIGINT during a nested run — the nested run ends (its log unlocked) before the outer says its last lines; its own lines are labelled; a rerun resumes", { timeout: 60_000 }, async () => {
  const root = workspace(nestedSlow);
  const running = runIn(root);
  await waitFor(realClock(), subRunning(root), 20_000, "the nested rule to run");
  process.kill(process.pid, "SIGINT");
  const result = await running;
  assert.equal(result.code, 130, result.err);
  // when the outer run is over, so is the nested one: its lock is gone
  assert.ok(!existsSync(join(root, "sub.mf.skeinlog.lock")), "the nested run still held its log");
  const lines = result.err.trim().split("\n");
  assert.deepEqual(lines, [
    `skein flow: ${root}/sub.mf: the run stopped with 1 rule running, killed (out); a rerun runs them`,
    `skein flow: ${root}/sub.mf: stopped: interrupted by SIGINT`,
    "skein flow: the run stopped with 1 rule running, killed (out); a rerun runs them",
    "skein flow: stopped: interrupted by SIGINT",
  ]);
  writeFileSync(join(root, "go"), "");
  const again = await runIn(root);
  assert.equal(again.code, 0, again.err);
  assert.equal(again.err, `skein flow: ${root}/sub.mf: done, 1 rule ran\nskein flow: done, 2 rules ran\n`);
  assert.ok(existsSync(join(root, "after")));
});

test("nested stop: a nested rule's failure and its run's last line name the nested file; the outer rule's failure says why its nested run failed", async () => {
  const root = workspace({ "w.mf": "out: sub.mf\n\tMAKEFLOW sub.mf\n", "sub.mf": "out:\n\texit 3\n" });
  const result = await runIn(root);
  assert.equal(result.code, 1);
  assert.ok(result.err.startsWith(`skein flow: ${root}/sub.mf: out: failed: exit code 3\nskein flow: ${root}/sub.mf: stopped: rule 'out' (${root}/sub.mf:1:1) failed: exit code 3\nskein flow: out: failed: nested workflow ${root}/sub.mf failed: rule 'out' (${root}/sub.mf:1:1) failed: exit code 3\n`), result.err);
});

const info = { id: "local", capacity: { cores: 2, memoryMb: 1_000, diskMb: 1_000, gpus: 0 }, runsLocalRules: true, runsRemoteRules: true, fastAbort: false };
const nestedRule = { nested: { file: "sub.mf" }, targets: [], sources: [], command: "", environment: {}, resources: {} } as unknown as Rule;

test("local executor: aborting a running nested workflow stops it, and close() waits until that run has ended", async () => {
  let stopSignal: AbortSignal | undefined;
  let endNested!: (outcome: TaskOutcome) => void;
  const runNested = (_rule: Rule, stop: AbortSignal) => {
    stopSignal = stop;
    return new Promise<TaskOutcome>((resolve) => (endNested = resolve));
  };
  const finished: number[] = [];
  const listener = { joined() {}, left() {}, finished: (task: number) => finished.push(task), awaiting() {}, running() {} };
  const executor = new LocalExecutor({ info, directory: "/", outputFd: 2, runNested }, listener);
  executor.start({ task: 1, rule: nestedRule, attempt: 1 });
  await Promise.resolve();
  assert.equal(stopSignal?.aborted, false);
  executor.abort(1);
  assert.equal(stopSignal?.aborted, true, "the nested run was not told to stop");
  let closed = false;
  const closing = executor.close().then(() => (closed = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(closed, false, "close() did not wait for the nested run");
  endNested({ ok: false, reason: "stopped" });
  await closing;
  assert.deepEqual(finished, [], "an aborted task's outcome is dropped");
});

test("nested --json: a nested run's rule events name its workflow file (run), as its run events do; the top run's rule events have no run field", async () => {
  const root = workspace({ "w.mf": "out: sub.mf\n\tMAKEFLOW sub.mf\n", "sub.mf": "out:\n\ttouch out\n" });
  const result = await runIn(root, { json: true });
  assert.equal(result.code, 0, result.err);
  const events = result.out.split("\n").filter(Boolean).map((line) => JSON.parse(line));
  const ruleEvents = events.filter((event) => event.rule !== undefined);
  const nested = ruleEvents.filter((event) => event.run !== undefined);
  assert.ok(nested.length >= 3 && nested.every((event) => event.run === join(root, "sub.mf")), JSON.stringify(nested));
  assert.ok(nested.some((event) => event.state === "started"));
  const top = ruleEvents.filter((event) => event.run === undefined);
  assert.ok(top.some((event) => event.state === "done" && event.target === "out"), "the top run's rule, as before");
  assert.ok(events.some((event) => event.state === "started" && event.rule === undefined && event.run === join(root, "sub.mf")), "the nested run's own started event");
});
