// `--json` promises one JSON object per line on standard output: `--dry-run` (and
// `--clean --dry-run`) keep that promise instead of printing plain commands or paths.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-flow-dry-json-");
const pipeline = "a:\n\techo a > a\nb: a\n\tLOCAL cat a > b\n";

const parsed = (out: string) => out.trim().split("\n").map((line) => JSON.parse(line));

test("dry-run --json: one JSON object per rule that would run, nothing else on stdout, nothing written", async () => {
  const root = workspace({ "w.mf": pipeline });
  const result = await runIn(root, { dryRun: true, json: true });
  assert.equal(result.code, 0, result.err);
  assert.deepEqual(parsed(result.out), [
    { rule: 0, target: "a", state: "would-run", command: "echo a > a" },
    { rule: 1, target: "b", state: "would-run", command: "cat a > b", local: true },
  ]);
  assert.deepEqual(readdirSync(root), ["w.mf"], "no log, no lock, no target");
});

test("dry-run --json: --clean --dry-run names each file and log it would remove as a JSON object", async () => {
  const root = workspace({ "w.mf": pipeline });
  assert.equal((await runIn(root)).code, 0);
  const result = await runIn(root, { clean: true, dryRun: true, json: true });
  assert.equal(result.code, 0, result.err);
  assert.deepEqual(parsed(result.out), [
    { path: "a", kind: "file", state: "would-remove" },
    { path: "b", kind: "file", state: "would-remove" },
    { path: "w.mf.skeinlog", kind: "log", state: "would-remove" },
  ]);
});

test("dry-run: rules a run would refuse are said as the run says them, and the dry run exits 1 as the run would", async () => {
  const files = { "w.mf": "MEMORY=999999999\nbig:\n\techo big > big\nok:\n\techo ok > ok\nMEMORY=1\nsmall:\n\techo small > small\n" };
  const root = workspace(files);
  const plain = await runIn(root, { dryRun: true });
  const json = await runIn(root, { dryRun: true, json: true });
  const run = await runIn(root, { json: true });
  assert.equal(run.code, 1, run.err);
  assert.equal(plain.code, 1, plain.err);
  assert.equal(plain.out, "echo small > small\n", "a refused rule's command is not listed: it would not run");
  const runLines = run.err.trim().split("\n");
  const dryLines = plain.err.trim().split("\n");
  assert.equal(dryLines[0], runLines[0], "the refusal reads as the run's");
  assert.match(runLines[0]!, /^skein flow: 2 rules refused, never run \(big, ok\): needs 999999999 MB memory; this machine has \d+ MB memory$/);
  assert.equal(dryLines.at(-1), runLines.at(-1)!.replace("skein flow: stopped: ", "skein flow: --dry-run: a run would stop before running any rule: "));
  assert.equal(json.code, 1, json.err);
  const reason = parsed(run.out).find((event) => event.state === "refused").reason;
  assert.deepEqual(parsed(json.out), [
    { rule: 0, target: "big", state: "would-be-refused", reason },
    { rule: 1, target: "ok", state: "would-be-refused", reason },
    { rule: 2, target: "small", state: "would-run", command: "echo small > small" },
  ]);
  // workers may join later: only a LOCAL rule bigger than this machine is refused
  const workers = await runIn(workspace({ "w.mf": "MEMORY=999999999\nbig:\n\techo big > big\nhere:\n\tLOCAL echo here > here\n" }), { dryRun: true, target: "workers" });
  assert.equal(workers.code, 1, workers.err);
  assert.equal(workers.out, "echo big > big\n");
  assert.match(workers.err, /^skein flow: here: refused, never run: needs 999999999 MB memory; this machine has \d+ MB memory$/m);
});
