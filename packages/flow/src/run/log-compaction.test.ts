import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";
import { compactingPath, compactionBytesMin } from "../log/compact-log.ts";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { logHashes, logHeader, logLine } from "../log/transaction-log.ts";

const workspace = workspaces("skein-flow-compaction-");
const text = "a:\n\ttouch a\nb: a\n\ttouch b\n";

test("run: a log grown far past its live lines by many runs is compacted at the start of the next run, which resumes from it", async () => {
  const root = workspace({ "w.mf": text, a: "" });
  const rules = parseMakeflow(text, { file: "w.mf" }).rules;
  // a done long ago, after many retries; b interrupted
  const retry = logLine(1, 0, "running", 1, logHashes(rules[0]!)) + logLine(2, 0, "failed", 1, logHashes(rules[0]!));
  const retries = retry.repeat(Math.ceil(compactionBytesMin / retry.length) + 1);
  const log = join(root, "w.mf.skeinlog");
  writeFileSync(log, `${logHeader}\n${retries}${logLine(3, 0, "running", 1, logHashes(rules[0]!))}${logLine(4, 0, "done", 1, logHashes(rules[0]!))}${logLine(5, 1, "running", 1, logHashes(rules[1]!))}`);
  const before = statSync(log).size;
  const run = await runIn(root, { json: true });
  assert.equal(run.code, 0, run.err);
  const ran = run.out.trim().split("\n").map((line) => JSON.parse(line)).filter((event) => event.state === "done").map((event) => event.target);
  assert.deepEqual(ran, ["b"], "a stays done");
  assert.ok(statSync(log).size < 1000, `${before} → ${statSync(log).size} bytes`);
  assert.ok(!existsSync(compactingPath(log)));
  assert.match((await runIn(root)).err, /nothing to do/);
  const lines = readFileSync(log, "utf8").split("\n");
  assert.equal(lines[0], logHeader);
});

test("run: --clean removes a compaction's file that a kill left beside the log", async () => {
  const root = workspace({ "w.mf": text });
  assert.equal((await runIn(root)).code, 0);
  const log = join(root, "w.mf.skeinlog");
  writeFileSync(compactingPath(log), readFileSync(log));
  const clean = await runIn(root, { clean: true });
  assert.equal(clean.code, 0, clean.err);
  assert.ok(!existsSync(compactingPath(log)) && !existsSync(log));
});
