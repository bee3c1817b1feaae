import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { dirname, isAbsolute, join, relative } from "node:path";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-nested-json-");

test("--json: each nested run (one file nested in two directories at once) is named by file and directory; each run's `ran` counts its own rules; this machine joins once, in the top run", { timeout: 30_000 }, async () => {
  const root = workspace({
    "w.mf": "x/out: leaf.mf\n\tMAKEFLOW leaf.mf x\ny/out: leaf.mf\n\tMAKEFLOW leaf.mf y\nall: x/out y/out\n\tcat x/out y/out > all\n",
    "leaf.mf": "out: a b\n\tcat a b > out\na:\n\tsleep 0.2; echo a > a\nb:\n\techo b > b\n",
  });
  for (const directory of ["x", "y"]) mkdirSync(join(root, directory));
  const result = await runIn(root, { json: true });
  assert.equal(result.code, 0, result.err);
  const events = result.out.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
  // the top run's events have no directory (its rules' events no run either)
  const runOf = (event: Record<string, unknown>) => (event.directory === undefined ? "top" : `${event.run} in ${event.directory}`);
  const leaf = join(root, "leaf.mf");
  const runs = [...new Set(events.filter((event) => event.state === "started" && event.rule === undefined).map(runOf))].sort();
  assert.deepEqual(runs, [`${leaf} in ${join(root, "x")}`, `${leaf} in ${join(root, "y")}`, "top"]);
  for (const event of events) {
    if (event.run === leaf) assert.ok(event.directory === join(root, "x") || event.directory === join(root, "y"), `a nested run's event without its directory: ${JSON.stringify(event)}`);
  }
  // `ran` counts the run's own rules that ran (a nested workflow rule is one), not its nested runs'
  const done = (run: string) => events.filter((event) => event.rule !== undefined && event.state === "done" && runOf(event) === run).length;
  const finished = (run: string) => events.find((event) => event.state === "finished" && event.rule === undefined && runOf(event) === run);
  assert.equal(finished("top")?.ran, 3);
  assert.equal(done("top"), 3);
  for (const directory of ["x", "y"]) {
    const run = `${leaf} in ${join(root, directory)}`;
    assert.equal(finished(run)?.ran, 3, run);
    assert.equal(done(run), 3, run);
  }
  // executors: this machine joins once, in the top run (a nested run's rules run on it too); nothing leaves during the run
  const executorEvents = events.filter((event) => event.executor !== undefined);
  assert.deepEqual(executorEvents.map((event) => `${event.executor} ${event.state} ${runOf(event)}`), ["local joined top"]);
  for (const event of events.filter((event) => typeof event.durationMs === "number")) assert.equal(event.durationMs, Math.round((event.durationMs as number) * 1000) / 1000, "durations in µs at most");
});

test("--json: every run's `run` is its workflow file's absolute path, the top run's too (given as a relative path)", { timeout: 30_000 }, async () => {
  const root = workspace({ "w.mf": "out: sub.mf\n\tMAKEFLOW sub.mf\n", "sub.mf": "out:\n\techo x > out\n" });
  const typed = relative(process.cwd(), join(root, "w.mf"));
  assert.ok(!isAbsolute(typed));
  const result = await runIn(root, { json: true, file: typed });
  assert.equal(result.code, 0, result.err);
  const events = result.out.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
  const runs = events.filter((event) => event.rule === undefined && event.executor === undefined).map((event) => `${event.state} ${event.run}`);
  const [top, sub] = [join(root, "w.mf"), join(root, "sub.mf")];
  assert.deepEqual(runs, [`started ${top}`, `started ${sub}`, `finished ${sub}`, `finished ${top}`]);
  // standard error names the nested file as the user named the top one: relative to where skein started
  assert.ok(result.err.startsWith(`skein flow: ${join(dirname(typed), "sub.mf")}: done, 1 rule ran\n`), result.err);
});

/** Failures as a reader of --json counts them: `failed` events, but not a MAKEFLOW rule's that says its nested run's rules failed. */
const failures = (out: string) => {
  const events = out.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
  const failed = events.filter((event) => event.state === "failed");
  return { all: failed.map((event) => `${event.target} ${event.nestedFailed ?? "-"}`), counted: failed.filter((event) => event.nestedFailed === undefined).length };
};

test("--json: a MAKEFLOW rule failed because its nested run's rules failed says how many (nestedFailed), nested deeper too, so a reader counts each failure once, as the progress bar does", { timeout: 30_000 }, async () => {
  const root = workspace({ "w.mf": "out:\n\tMAKEFLOW sub.mf\n", "sub.mf": "mid:\n\tMAKEFLOW leaf.mf\n", "leaf.mf": "x:\n\texit 3\n" });
  const result = await runIn(root, { json: true });
  assert.equal(result.code, 1);
  const { all, counted } = failures(result.out);
  assert.deepEqual(all, ["x -", "mid 1", "out 1"]);
  assert.equal(counted, 1);
  const bar = await runIn(root, { progress: true });
  assert.match(bar.err, /failed 1 {2}ETA/, "the bar counts as many");
});

test("--json: a MAKEFLOW rule whose nested run failed with no rule of its own failed (a workflow error) is the failure, and says nothing of nested rules", { timeout: 30_000 }, async () => {
  const root = workspace({ "w.mf": "out:\n\tMAKEFLOW sub.mf\n", "sub.mf": "x: nosuch\n\tcat nosuch > x\n" });
  const result = await runIn(root, { json: true });
  assert.equal(result.code, 1);
  assert.deepEqual(failures(result.out), { all: ["out -"], counted: 1 });
  // the nested run has no events of its own (it never started): its rule's event says why
  const failed = result.out.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>).find((event) => event.state === "failed");
  assert.equal(failed?.reason, `nested workflow ${root}/sub.mf failed: ${root}/sub.mf:1:4: source 'nosuch' is not made by any rule and does not exist`);
});
