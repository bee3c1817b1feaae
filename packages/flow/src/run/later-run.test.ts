// A `running` file line vouches for a file only until a later run: a file an interrupted run was
// making, then left be by a run after it (which may have read it as a source, the user may have
// written it meanwhile), is kept as .skein-old when its rule runs again, not deleted.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { fileRunningLine, runLine } from "../log/file-lines.ts";
import { logHashes, logHeader, logLine } from "../log/transaction-log.ts";

const workspace = workspaces("skein-flow-later-run-");

/** The log a run killed while making data.csv leaves (with `later`: and a run after it, reading data.csv as a source). */
function killedLog(later: boolean): string {
  const first = parseMakeflow("data.csv:\n\tsleep 5; echo generated > data.csv\n", { file: "w.mf" });
  const second = parseMakeflow("report: data.csv\n\tcat data.csv > report\n", { file: "w.mf" });
  const killed = `${runLine(1000)}${fileRunningLine(1000, "data.csv")}${logLine(1000, 0, "running", 1, logHashes(first.rules[0]!))}`;
  if (!later) return `${logHeader}\n${killed}`;
  const hashes = logHashes(second.rules[0]!);
  return `${logHeader}\n${killed}${runLine(3000)}${fileRunningLine(3000, "report")}${logLine(3000, 0, "running", 1, hashes)}${logLine(3001, 0, "done", 1, hashes)}`;
}

const rerun = "data.csv:\n\techo generated2 > data.csv\nreport: data.csv\n\tcat data.csv > report\n";

test("later run: a file an interrupted run was making, read as a source by a later run, is kept as .skein-old when its rule runs again", async () => {
  const root = workspace({ "w.mf": rerun, "w.mf.skeinlog": killedLog(true), "data.csv": "precious hand-made data\n" });
  const preview = await runIn(root, { dryRun: true });
  assert.match(preview.err, /would keep data\.csv \(an interrupted run was making it, and a later run left it: maybe changed since\) as data\.csv\.skein-old/);
  const json = await runIn(root, { dryRun: true, json: true });
  const event = json.out.split("\n").filter(Boolean).map((line) => JSON.parse(line)).find((line) => line.state === "would-set-aside");
  assert.deepEqual(event, { rule: 0, target: "data.csv", state: "would-set-aside", aside: "data.csv.skein-old", reason: "an interrupted run was making it, and a later run left it: maybe changed since" });
  const again = await runIn(root);
  assert.equal(again.code, 0, again.err);
  assert.match(again.err, /kept data\.csv \(an interrupted run was making it, and a later run left it: maybe changed since\) as data\.csv\.skein-old/);
  assert.equal(readFileSync(join(root, "data.csv.skein-old"), "utf8"), "precious hand-made data\n");
  assert.equal(readFileSync(join(root, "report"), "utf8"), "generated2\n");
});

test("later run: the partial target of an interrupted rule, rerun next, is still removed and made again, nothing kept", async () => {
  const root = workspace({ "w.mf": rerun, "w.mf.skeinlog": killedLog(false), "data.csv": "partial" });
  const preview = await runIn(root, { dryRun: true });
  assert.ok(!preview.err.includes("would keep"), preview.err);
  const again = await runIn(root);
  assert.equal(again.code, 0, again.err);
  assert.ok(!existsSync(join(root, "data.csv.skein-old")), again.err);
  assert.equal(readFileSync(join(root, "report"), "utf8"), "generated2\n");
});

test("later run: --clean keeps such a file too, and says why", async () => {
  const root = workspace({ "w.mf": rerun, "w.mf.skeinlog": killedLog(true), "data.csv": "precious hand-made data\n" });
  const cleaned = await runIn(root, { clean: true });
  assert.equal(cleaned.code, 0, cleaned.err);
  assert.equal(readFileSync(join(root, "data.csv"), "utf8"), "precious hand-made data\n", cleaned.err);
  assert.match(cleaned.err, /data\.csv.*an interrupted run was making it, and a later run left it/);
});

test("later run: what a rule that failed left stays the workflow's while unchanged, after later runs too; changed, it is kept", async () => {
  const failing = "out:\n\techo partial > out; test -f go && echo full > out\n";
  const root = workspace({ "w.mf": failing });
  assert.equal((await runIn(root)).code, 1);
  writeFileSync(join(root, "w.mf"), "other:\n\ttouch other\n");
  assert.equal((await runIn(root)).code, 0, "a later run that leaves out be");
  writeFileSync(join(root, "w.mf"), failing);
  writeFileSync(join(root, "go"), "");
  const again = await runIn(root);
  assert.equal(again.code, 0, again.err);
  assert.ok(!existsSync(join(root, "out.skein-old")), again.err);
  assert.equal(readFileSync(join(root, "out"), "utf8"), "full\n");
  // failed again, then edited by hand: the user's
  writeFileSync(join(root, "w.mf"), "out2:\n\techo partial > out2; false\n");
  assert.equal((await runIn(root)).code, 1);
  writeFileSync(join(root, "out2"), "the user's\n");
  const edited = await runIn(root);
  assert.match(edited.err, /kept out2 \(changed since a failed run of this workflow left it\) as out2\.skein-old/);
  assert.equal(readFileSync(join(root, "out2.skein-old"), "utf8"), "the user's\n");
});
