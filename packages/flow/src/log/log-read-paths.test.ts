import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fnv1a32 } from "../fnv.ts";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import type { Rule } from "../workflow.ts";
import { readLogFile } from "./log-file.ts";
import type { LiveLines } from "./live-lines.ts";
import { LogReader, type LogSummary, logHashes, logHeader, logLine, readLog, ruleHash } from "./transaction-log.ts";

const rules = parseMakeflow("a:\n\ttouch a\nb: a\n\ttouch b\nc d: b\n\ttouch c d\n", { file: "w.mf" }).rules;
const moved = parseMakeflow("new:\n\ttouch new\na:\n\ttouch a\nb: a\n\ttouch b\nc d: b\n\ttouch c d\n", { file: "w.mf" }).rules;

/** A summary as plain data, to compare two reads. */
function plain(summary: LogSummary): unknown {
  const sorted = (set: ReadonlySet<number>) => [...set].sort((a, b) => a - b);
  return { done: sorted(summary.done), started: sorted(summary.started), interrupted: sorted(summary.interrupted), failed: sorted(summary.failed), doneLines: [...summary.doneLines], doneAtMs: [...summary.doneAtMs] };
}

/** What a compaction would keep of the lines read. */
function liveOf(live: LiveLines): unknown {
  return { bytes: live.bytes, kept: [...live.keptLines()] };
}

/** The lines a compaction would keep when `text` is read line by line as strings. */
function readAsStrings(text: string, workflow: readonly Rule[]): LiveLines {
  const reader = new LogReader(workflow, "w.mf.skeinlog");
  const lines = text.split("\n");
  const rest = lines.pop()!;
  for (const [index, line] of lines.entries()) reader.line(line, index + 1);
  reader.end(rest, lines.length + 1);
  return reader.live;
}

/** Reads `text` from a file (lines read from bytes: the fast path for current rules' lines). */
function readFromFile(text: string, workflow: readonly Rule[]): ReturnType<typeof readLogFile> {
  const root = mkdtempSync(join(tmpdir(), "skein-log-paths-"));
  try {
    writeFileSync(join(root, "w.mf.skeinlog"), Buffer.from(text, "latin1"));
    return readLogFile(join(root, "w.mf.skeinlog"), workflow);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test("log read: a file's lines, read from bytes, say what the same text read as strings says, for lines that only look like a current rule's", () => {
  const [hash, targets] = logHashes(rules[2]!).split(" ");
  const lines = [
    logLine(5, 0, "running", 1, logHashes(rules[0]!)),
    logLine(6, 0, "done", 1, logHashes(rules[0]!)),
    `7 00 done 1 ${logHashes(rules[0]!)}\n`, // a leading zero: the same rule
    `123456789012345678 1 running 1 ${logHashes(rules[1]!)}\n`, // a time past 15 digits
    `123456789012345678 1 done 1 ${logHashes(rules[1]!)}\n`,
    `8 2 running 1 ${hash}\n`, // five fields: the rule hash alone
    `9 2 retrying 2 ${hash} ${targets}\n`, // a state the summary has no set for
    `10 2 done 1 ${hash} ${targets}0\n`, // another targets hash
    `11 2 done 1 ${hash!.slice(1)} ${targets}\n`, // a shorter rule hash
    `12 9 done 1 ${hash} ${targets}\n`, // no rule 9 now: rule 2, moved, found by its hashes
    "\n# a comment\n",
    `13 2 failed 1 ${hash} ${targets}`.slice(0, 12), // torn, then ended by the next run
    "\n",
  ];
  const text = `${logHeader}\n${lines.join("")}`;
  for (const workflow of [rules, moved]) {
    const fromFile = readFromFile(text, workflow);
    assert.deepEqual(plain(fromFile.summary), plain(readLog(text, workflow)));
    assert.deepEqual(liveOf(fromFile.live), liveOf(readAsStrings(text, workflow)));
  }
  const summary = readFromFile(text, rules).summary;
  assert.deepEqual(plain(summary), { done: [0, 1, 2], started: [0, 1, 2], interrupted: [], failed: [], doneLines: [[0, 2], [1, 1], [2, 2]], doneAtMs: [[0, 7], [1, 123456789012345680], [2, 12]] });
  assert.equal(summary.done.has(0.5), false);
  assert.equal(summary.doneAtMs.get(3), undefined);
  assert.equal(summary.started.size, 3);
});

test("log read: lines across the reader's 64 KiB chunks, and a damaged one far in, read as from a string, naming the damaged line", () => {
  let text = `${logHeader}\n`;
  for (let i = 0; i < 6000; i++) text += logLine(1000 + i, i % 3, i % 2 ? "done" : "running", 1, logHashes(rules[i % 3]!));
  const fromFile = readFromFile(text, rules);
  assert.deepEqual(plain(fromFile.summary), plain(readLog(text, rules)));
  assert.deepEqual(liveOf(fromFile.live), liveOf(readAsStrings(text, rules)));
  const damaged = `${text}1 0 done 1 ${logHashes(rules[0]!).toUpperCase()}\n`;
  assert.throws(() => readFromFile(damaged, rules), /w\.mf\.skeinlog:6002: not a log line/);
});

test("log read: rule hashes are FNV-1a of the command, targets and sources joined by NUL, for any number of files and any characters", () => {
  const [rule] = parseMakeflow("x y 'z😀': /w/b é\n\techo é😀 > x\n", { file: "/w/w.mf", directory: "/w" }).rules;
  const written = (files: Rule["targets"]) => files.map((file) => file.written ?? file.path).join("\0");
  assert.equal(ruleHash(rule!), fnv1a32(`${rule!.command}\0${written(rule!.targets)}\0${written(rule!.sources)}`));
  assert.equal(logHashes(rule!), `${ruleHash(rule!)} ${fnv1a32(written(rule!.targets))}`);
});
