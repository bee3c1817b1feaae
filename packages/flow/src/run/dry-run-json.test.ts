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
