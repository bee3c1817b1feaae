import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { readLogFile } from "../log/log-file.ts";
import { cleanTree } from "./clean.ts";
import { cleanReport } from "./clean-report.ts";

const workspace = workspaces("skein-clean-report-");

function loaded(root: string) {
  const workflow = parseMakeflow(readFileSync(join(root, "w.mf"), "utf8"), { file: "w.mf", directory: root });
  const logPath = join(root, "w.mf.skeinlog");
  return { workflow, summary: readLogFile(logPath, workflow.rules).summary, directory: root, logPath };
}

test("clean report: --clean counts what --clean --dry-run lists, a directory emptied around a named file counted by the entries that go", async () => {
  const root = workspace({ "w.mf": "d:\n\tmkdir -p d; touch d/j1 d/j2\nout: d/src d\n\tcat d/src > out\n" });
  mkdirSync(join(root, "d"));
  writeFileSync(join(root, "d", "src"), "the user's\n");
  const run = await runIn(root);
  assert.equal(run.code, 0, run.err);
  const dry = cleanReport(cleanTree(loaded(root), () => undefined, true), root, { dryRun: true });
  assert.deepEqual(dry.out, ["d/j1\n", "d/j2\n", "out\n", "w.mf.skeinlog\n"]);
  assert.deepEqual(dry.err, ["skein flow: --clean --dry-run: would remove 3 files and 1 log; nothing was removed\n"]);
  const real = cleanReport(cleanTree(loaded(root), () => undefined, false), root, {});
  assert.deepEqual(real, { out: [], err: ["skein flow: removed 3 files and 1 log\n"] });
  assert.equal(readFileSync(join(root, "d", "src"), "utf8"), "the user's\n");
});

test("clean report: a file the log names as made that --clean keeps is said, on standard error and (dry run) as a JSON object", () => {
  const cleaned = { files: [{ path: "gone" }], logs: ["w.mf.skeinlog"], kept: [{ path: "edited", why: "changed since the workflow made it" }] };
  assert.deepEqual(cleanReport(cleaned, "/w", {}).err, ["skein flow: --clean: kept edited, which the log says this workflow made: changed since the workflow made it\n", "skein flow: removed 1 file and 1 log\n"]);
  const json = cleanReport(cleaned, "/w", { dryRun: true, json: true });
  assert.deepEqual(json.out.map((line) => JSON.parse(line)), [
    { path: "gone", kind: "file", state: "would-remove" },
    { path: "w.mf.skeinlog", kind: "log", state: "would-remove" },
    { path: "edited", kind: "file", state: "would-keep", reason: "changed since the workflow made it" },
  ]);
});

test("clean report: --clean --dry-run --json names the paths the plain list names and counts them alike: none inside a directory removed whole", async () => {
  const root = workspace({ "w.mf": "res:\n\tmkdir -p res && echo a > res/a\nres/cfg:\n\tmkdir -p res && echo c > res/cfg\n" });
  const run = await runIn(root, { jobs: 1 });
  assert.equal(run.code, 0, run.err);
  const plain = cleanReport(cleanTree(loaded(root), () => undefined, true), root, { dryRun: true });
  assert.deepEqual(plain.out, ["res\n", "w.mf.skeinlog\n"]);
  const json = cleanReport(cleanTree(loaded(root), () => undefined, true), root, { dryRun: true, json: true });
  assert.deepEqual(json.out.map((line) => JSON.parse(line)), [
    { path: "res", kind: "file", state: "would-remove" },
    { path: "w.mf.skeinlog", kind: "log", state: "would-remove" },
  ]);
  assert.deepEqual(json.err, plain.err);
  assert.deepEqual(plain.err, ["skein flow: --clean --dry-run: would remove 1 file and 1 log; nothing was removed\n"]);
  const real = await runIn(root, { clean: true });
  assert.equal(real.err, "skein flow: removed 1 file and 1 log\n");
});
