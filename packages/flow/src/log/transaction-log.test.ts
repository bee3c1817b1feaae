import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { fnv1a32 } from "../fnv.ts";
import { LogFormatError, logHashes, logHeader, logLine, readLog, ruleHash } from "./transaction-log.ts";

const rules = parseMakeflow("a:\n\ttouch a\nb: a\n\ttouch b\n", { file: "w.mf" }).rules;
const line = (rule: number, state: "running" | "done", hash = ruleHash(rules[rule]!)) => logLine(1, rule, state, 1, hash);

test("transaction log: the last valid line of each rule decides; edited rules, unknown rules and a torn last line are ignored", () => {
  const text = `${logHeader}\n${line(0, "running")}${line(0, "done")}${line(1, "running")}${line(1, "done", "stale000")}9 7 done 1 x\n${line(1, "done").slice(0, 5)}`;
  const summary = readLog(text, rules);
  assert.deepEqual([...summary.done], [0]);
  assert.deepEqual([...summary.interrupted], [1], "b's done line is for another text of the rule; the last is torn");
  assert.deepEqual([...summary.started].sort(), [0, 1]);
});

test("transaction log: an empty file, or one with only the header's torn start, is an empty log; another file or format is refused, naming it", () => {
  for (const text of ["", "# skein-fl"]) assert.equal(readLog(text, rules, "w.mf.skeinlog").done.size, 0);
  assert.throws(() => readLog("garbage line\n1 0 done 1 abc\n", rules, "w.mf.skeinlog"), new LogFormatError('w.mf.skeinlog: not a skein flow log (it starts "garbage line", not "# skein-flow-log 1"); move it away to start afresh'));
  assert.throws(() => readLog("# skein-flow-log 2\n", rules, "w.mf.skeinlog"), new LogFormatError("w.mf.skeinlog: a skein flow log of format 2; this skein reads format 1"));
  assert.throws(() => readLog("\x00\x01binary", rules, "w.mf.skeinlog"), LogFormatError);
});

test("transaction log: a line of an earlier version of a rule with the same targets counts as started (for --clean), not as done", () => {
  const [, targetsHash] = logHashes(rules[1]!).split(" ");
  const text = `${logHeader}\n${line(0, "running", `old00000 ${logHashes(rules[0]!).split(" ")[1]}`)}${line(0, "done", "old00000 x")}${line(1, "running", `old11111 ${targetsHash}0`)}`;
  const summary = readLog(text, rules);
  assert.deepEqual([...summary.started], [0], "rule 0 made the same targets before; rule 1's earlier version made others");
  assert.equal(summary.done.size, 0);
  assert.equal(summary.interrupted.size, 0);
});

test("transaction log: lines carry both hashes; a current line is read as before", () => {
  const text = `${logHeader}\n${logLine(1, 0, "running", 1, logHashes(rules[0]!))}${logLine(2, 0, "done", 1, logHashes(rules[0]!))}`;
  assert.match(text.split("\n")[1]!, /^1 0 running 1 [0-9a-f]{8} [0-9a-f]{8}$/);
  assert.deepEqual([...readLog(text, rules).done], [0]);
});

test("transaction log: a rule moved by a rule added or removed above it keeps its lines, found by its hashes (old five-field lines too)", () => {
  const moved = parseMakeflow("new:\n\ttouch new\na:\n\ttouch a\nb: a\n\ttouch b-edited\n", { file: "w.mf" }).rules;
  // written when a was rule 0 and b rule 1 (b since edited: its old lines made the same target)
  const text = `${logHeader}\n${logLine(1, 0, "running", 1, logHashes(rules[0]!))}${logLine(2, 0, "done", 1, logHashes(rules[0]!))}${logLine(3, 1, "running", 1, logHashes(rules[1]!))}${logLine(4, 1, "done", 1, logHashes(rules[1]!))}`;
  const summary = readLog(text, moved);
  assert.deepEqual([...summary.done], [1], "a, now rule 1, is done; b was edited");
  assert.deepEqual([...summary.started].sort(), [1, 2], "b's earlier version made b: --clean removes it");
  assert.equal(summary.doneAtMs.get(1), 2);
  const fiveFields = `${logHeader}\n${line(0, "running")}${line(0, "done")}`;
  assert.deepEqual([...readLog(fiveFields, moved).done], [1]);
  const removed = parseMakeflow("b: a\n\ttouch b\n", { file: "w.mf" }).rules;
  assert.deepEqual([...readLog(text, removed).done], [0], "b, now rule 0 (a removed), is done");
});

test("transaction log: a damaged line is an error naming file:line; the torn start of a line (a kill, then the next run's newline) and a power loss's zeros are not", () => {
  const torn = line(1, "running").slice(0, 9);
  const zeros = "\0".repeat(30);
  const text = `${logHeader}\n${line(0, "running")}${torn}\n${zeros}\n${line(0, "done")}`;
  assert.deepEqual([...readLog(text, rules, "w.mf.skeinlog").done], [0]);
  for (const damaged of ["1 0 done 1 ABC", "garbage", "1 0 done 1 abc def ghi", "1 0 done\u00e9 1 abc"]) {
    assert.throws(() => readLog(`${logHeader}\n${line(0, "running")}${damaged}\n${line(0, "done")}`, rules, "w.mf.skeinlog"), (error: Error) => error instanceof LogFormatError && error.message.startsWith(`w.mf.skeinlog:3: not a log line (${JSON.stringify(damaged)})`), damaged);
  }
});

test("transaction log: a file spelled /w/b or ../w/b hashes as written, so a log from before files had one DAG name stays valid", () => {
  const command = "cat /w/b ../w/c > a";
  const [rule] = parseMakeflow(`a: /w/b ../w/c\n\t${command}\n`, { file: "/w/w.mf", directory: "/w" }).rules;
  assert.deepEqual(rule!.sources.map((s) => s.path), ["b", "c"], "one name in the DAG");
  // the formula the log used before: command, targets and sources as written
  assert.equal(ruleHash(rule!), fnv1a32(`${command}\0a\0/w/b\0../w/c`));
  assert.equal(logHashes(rule!), `${fnv1a32(`${command}\0a\0/w/b\0../w/c`)} ${fnv1a32("a")}`);
});
