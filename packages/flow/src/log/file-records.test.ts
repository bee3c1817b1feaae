import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { decodeName, encodeName, fileDoneLine, fileRunningLine, parseFileLine } from "./file-lines.ts";
import { logHashes, logHeader, logLine, readLog } from "./transaction-log.ts";

const rules = (text: string) => parseMakeflow(text, { file: "w.mf" }).rules;

test("log file lines: a target is known as made by its name, whatever rule or order names it now; the last line of a name decides", () => {
  const before = rules("a b c d e f:\n\ttouch a b c d e f\ngone:\n\ttouch gone\n");
  let text = `${logHeader}\n`;
  for (const [index, rule] of before.entries()) {
    for (const target of rule.targets) text += fileRunningLine(1, target.path);
    text += logLine(1, index, "running", 1, logHashes(rule));
    text += logLine(2, index, "done", 1, logHashes(rule));
    for (const target of rule.targets) text += fileDoneLine(2, target.path, 10, 1.5);
  }
  text += fileRunningLine(3, "f"); // f started again, then the run was killed
  // six targets reordered, one added, and two of them split to a rule of their own
  const after = rules("f e d c g:\n\ttouch f e d c g\nb a:\n\ttouch a b\n");
  const summary = readLog(text, after);
  assert.deepEqual([...summary.started], [], "by the rule hashes alone, none of these rules ever started");
  assert.deepEqual(summary.files.target(0, 0), { done: false, size: 0, mtimeMs: 0 }, "f: its last line says running");
  assert.deepEqual(summary.files.target(0, 1), { done: true, size: 10, mtimeMs: 1.5 });
  assert.equal(summary.files.target(0, 4), undefined, "g: never made");
  assert.deepEqual(summary.files.target(1, 1), { done: true, size: 10, mtimeMs: 1.5 }, "a, now in another rule");
  assert.deepEqual([...summary.files.others()], [{ name: "gone", done: true, size: 10, mtimeMs: 1.5 }], "a rule since removed");
});

test("log file lines: a log written before them reads no files; a torn or foreign comment line is ignored", () => {
  const current = rules("a:\n\ttouch a\n");
  const old = `${logHeader}\n${logLine(1, 0, "running", 1, logHashes(current[0]!))}${logLine(2, 0, "done", 1, logHashes(current[0]!))}`;
  const summary = readLog(old, current);
  assert.deepEqual([...summary.done], [0]);
  assert.equal(summary.files.target(0, 0), undefined);
  const torn = fileDoneLine(2, "a", 10, 1.5).slice(0, 12);
  const withTorn = `${old}${torn}\n# FILE something else\n# a comment\n${logLine(3, 0, "done", 1, logHashes(current[0]!))}`;
  assert.equal(readLog(withTorn, current).files.target(0, 0), undefined);
  assert.deepEqual([...readLog(withTorn, current).done], [0]);
});

test("log file lines: names with spaces, '%' and non-ASCII letters are escaped on one line and read back", () => {
  for (const name of ["plain/a.txt", "with space", "100%", "résumé/çà", "tab\there", "emoji-😀"]) {
    const line = fileDoneLine(5, name, 3, 1796688762779.6255);
    assert.match(line, /^# FILE 5 \S+ done 3 1796688762779\.6255\n$/, name);
    assert.deepEqual(parseFileLine(line.slice(0, -1)), { name, done: true, size: 3, mtimeMs: 1796688762779.6255 });
    assert.equal(decodeName(encodeName(name)), name);
  }
  assert.equal(encodeName("with space"), "with%20space");
  assert.equal(decodeName("bad%zz"), undefined);
});
