import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { decodeName, encodeName, fileDoneLine, fileFailedLine, fileRunningLine, parseFileLine, runLine } from "./file-lines.ts";
import { readLogFile } from "./log-file.ts";
import { logHashes, logHeader, logLine, readLog } from "./transaction-log.ts";

const rules = (text: string) => parseMakeflow(text, { file: "w.mf" }).rules;

test("log file lines: a target is known as made by its name, whatever rule or order names it now; the last line of a name decides", () => {
  const before = rules("a b c d e f:\n\ttouch a b c d e f\ngone:\n\ttouch gone\n");
  let text = `${logHeader}\n`;
  for (const [index, rule] of before.entries()) {
    for (const target of rule.targets) text += fileRunningLine(1, target.path);
    text += logLine(1, index, "running", 1, logHashes(rule));
    text += logLine(2, index, "done", 1, logHashes(rule));
    for (const target of rule.targets) text += fileDoneLine(2, target.path, 10, 1500);
  }
  text += fileRunningLine(3, "f"); // f started again, then the run was killed
  // six targets reordered, one added, and two of them split to a rule of their own
  const after = rules("f e d c g:\n\ttouch f e d c g\nb a:\n\ttouch a b\n");
  const summary = readLog(text, after);
  assert.deepEqual([...summary.started], [], "by the rule hashes alone, none of these rules ever started");
  assert.deepEqual(summary.files.target(0, 0), { done: false, size: 0, mtimeUs: 0 }, "f: its last line says running");
  assert.deepEqual(summary.files.target(0, 1), { done: true, size: 10, mtimeUs: 1500 });
  assert.equal(summary.files.target(0, 4), undefined, "g: never made");
  assert.deepEqual(summary.files.target(1, 1), { done: true, size: 10, mtimeUs: 1500 }, "a, now in another rule");
  assert.deepEqual([...summary.files.others()], [{ name: "gone", done: true, size: 10, mtimeUs: 1500 }], "a rule since removed");
});

test("log file lines: a log written before them reads no files; a torn or foreign comment line is ignored", () => {
  const current = rules("a:\n\ttouch a\n");
  const old = `${logHeader}\n${logLine(1, 0, "running", 1, logHashes(current[0]!))}${logLine(2, 0, "done", 1, logHashes(current[0]!))}`;
  const summary = readLog(old, current);
  assert.deepEqual([...summary.done], [0]);
  assert.equal(summary.files.target(0, 0), undefined);
  const torn = fileDoneLine(2, "a", 10, 1500).slice(0, 12);
  const withTorn = `${old}${torn}\n# FILE something else\n# a comment\n${logLine(3, 0, "done", 1, logHashes(current[0]!))}`;
  assert.equal(readLog(withTorn, current).files.target(0, 0), undefined);
  assert.deepEqual([...readLog(withTorn, current).done], [0]);
});

test("log file lines: names with spaces, '%' and non-ASCII letters are escaped on one line and read back", () => {
  for (const name of ["plain/a.txt", "with space", "100%", "résumé/çà", "tab\there", "emoji-😀"]) {
    const line = fileDoneLine(5, name, 3, 1796688762779626);
    assert.match(line, /^# FILE 5 \S+ done 3 1796688762779626\n$/, name);
    assert.deepEqual(parseFileLine(line.slice(0, -1)), { name, done: true, size: 3, mtimeUs: 1796688762779626 });
    assert.equal(decodeName(encodeName(name)), name);
  }
  assert.equal(encodeName("with space"), "with%20space");
  assert.equal(decodeName("bad%zz"), undefined);
});

test("log file lines: read from the file's bytes (no string per common line) as from text, escaped, foreign, shared and torn names alike", () => {
  const current = rules("a 'b c' d:\n\ttouch a 'b c' d\ne:\n\ttouch e\n");
  const lines = [fileRunningLine(1, "a"), fileRunningLine(1, "b c"), fileDoneLine(2, "a", 5, 2_000_123), fileDoneLine(2, "gone", 1, 7), fileRunningLine(3, "d").slice(0, 10), "\n", fileDoneLine(4, "e", 12, 99), fileRunningLine(5, "e"), "# FILE 6 d done 1 1.5\n"];
  const text = `${logHeader}\n${lines.join("")}`;
  const root = mkdtempSync(join(tmpdir(), "skein-file-lines-"));
  try {
    writeFileSync(join(root, "w.mf.skeinlog"), text);
    const fromBytes = readLogFile(join(root, "w.mf.skeinlog"), current).summary.files;
    const fromText = readLog(text, current).files;
    const seen = (files: typeof fromText) => [[0, 1, 2].map((index) => files.target(0, index)), files.target(1, 0), [...files.others()]];
    assert.deepEqual(seen(fromBytes), seen(fromText));
    assert.deepEqual(seen(fromBytes), [[{ done: true, size: 5, mtimeUs: 2_000_123 }, { done: false, size: 0, mtimeUs: 0 }, undefined], { done: false, size: 0, mtimeUs: 0 }, [{ name: "gone", done: true, size: 1, mtimeUs: 7 }]]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("log file lines: a running line vouches until a later run's RUN line; a failed line records what its rule left, whatever runs follow", () => {
  const now = rules("a:\n\ttouch a\nb:\n\ttouch b\nc:\n\ttouch c\n");
  const text = `${logHeader}\n${runLine(1)}${fileRunningLine(1, "a")}${fileRunningLine(1, "b")}${fileFailedLine(2, "b", 7, 2500)}${fileRunningLine(2, "gone")}${runLine(3)}${fileRunningLine(3, "c")}`;
  assert.deepEqual(parseFileLine("# FILE 2 b failed 7 2500"), { name: "b", done: false, failed: true, size: 7, mtimeUs: 2500 });
  for (const summary of [readLog(text, now), withLogFile(text, now)]) {
    assert.deepEqual(summary.files.target(0, 0), { done: false, size: 0, mtimeUs: 0, laterRun: true }, "a: an earlier run's");
    assert.deepEqual(summary.files.target(1, 0), { done: false, failed: true, size: 7, mtimeUs: 2500 });
    assert.deepEqual(summary.files.target(2, 0), { done: false, size: 0, mtimeUs: 0 }, "c: the last run's");
    assert.deepEqual([...summary.files.others()], [{ name: "gone", done: false, size: 0, mtimeUs: 0, laterRun: true }]);
  }
});

/** The summary `readLogFile` reads (from the file's bytes) from a log of `text`. */
function withLogFile(text: string, now: ReturnType<typeof rules>) {
  const root = mkdtempSync(join(tmpdir(), "skein-file-lines-"));
  try {
    writeFileSync(join(root, "w.mf.skeinlog"), text);
    return readLogFile(join(root, "w.mf.skeinlog"), now).summary;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
