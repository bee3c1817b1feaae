import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import type { Clock } from "@skein/core";
import { realClock } from "@skein/net";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { LogFile, logLineBytesMax, readLogFile, syncIntervalMs } from "./log-file.ts";
import { LogFormatError, logHashes, logHeader, logLine } from "./transaction-log.ts";

test("log file: batches written back to back share background syncs, at most one per interval; close() leaves every line", async () => {
  const clock = realClock();
  const root = mkdtempSync(join(tmpdir(), "skein-log-"));
  try {
    const log = new LogFile(join(root, "w.mf.skeinlog"), clock);
    const batches = 300;
    const startMs = clock.nowMs();
    for (let batch = 0; batch < batches; batch++) {
      log.append(`line ${batch}\n`);
      log.write();
      await new Promise<void>((resolve) => setImmediate(resolve)); // a turn of the event loop, as between the driver's batches
    }
    const elapsedMs = clock.nowMs() - startMs;
    await log.close();
    // without the interval, nearly every batch would start its own sync (fdatasync is quick here)
    assert.ok(log.syncs <= Math.ceil(elapsedMs / syncIntervalMs) + 1, `${log.syncs} syncs in ${elapsedMs.toFixed(0)} ms`);
    const lines = readFileSync(join(root, "w.mf.skeinlog"), "utf8").split("\n");
    assert.equal(lines[0], logHeader);
    assert.match(lines[1]!, /^# RUN \d+$/, "the run's lines follow its RUN line");
    assert.deepEqual(lines.slice(2, -1), Array.from({ length: batches }, (_, batch) => `line ${batch}`));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("log file: while lines keep coming a sync starts in the write that finds the interval passed, with no timer wake-up of its own; a last batch gets a timer of whole milliseconds, the interval after its lines", async () => {
  let nowMs = 1000.25;
  const timers: Array<{ delayMs: number; cancelled: boolean; fire: () => void }> = [];
  const clock: Clock = {
    nowMs: () => nowMs,
    epochMs: () => 0,
    setTimer(delayMs, callback) {
      const timer = { delayMs, cancelled: false, fire: callback };
      timers.push(timer);
      return { cancel: () => void (timer.cancelled = true), get active() { return !timer.cancelled; } };
    },
    setPeriodic: () => assert.fail("no periodic timer"),
  };
  const synced = async (count: number) => {
    for (let turn = 0; log.syncs < count && turn < 10_000; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(log.syncs, count);
  };
  const root = mkdtempSync(join(tmpdir(), "skein-log-"));
  const log = new LogFile(join(root, "w.mf.skeinlog"), clock);
  try {
    log.append("first\n");
    log.write(); // the header and the first line: synced at once
    await synced(1);
    nowMs = 1010.5;
    log.append("a\n");
    log.write();
    assert.deepEqual(timers.map((t) => t.delayMs), [25], "due when the line is 25 ms old, in whole milliseconds");
    nowMs = 1026; // the interval since the last sync has passed: this write starts the sync
    log.append("b\n");
    log.write();
    assert.equal(timers[0]!.cancelled, true, "its timer is no longer needed");
    await synced(2);
    nowMs = 1030;
    log.append("c\n");
    log.write();
    assert.deepEqual(timers.map((t) => t.delayMs), [25, 25]);
    nowMs = 1055;
    timers[1]!.fire();
    await synced(3);
    assert.equal(timers.length, 2);
  } finally {
    await log.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test("log file: read line by line, a line past the limit is an error naming file:line, and a torn header is written whole again", async () => {
  const root = mkdtempSync(join(tmpdir(), "skein-log-"));
  try {
    const path = join(root, "w.mf.skeinlog");
    const rules = parseMakeflow("a:\n\ttouch a\n", { file: "w.mf" }).rules;
    const done = logLine(1, 0, "done", 1, logHashes(rules[0]!));
    // many chunks of reads: every line is found, whatever chunk boundary cuts it
    writeFileSync(path, `${logHeader}\n${logLine(1, 0, "running", 1, logHashes(rules[0]!)).repeat(40_000)}${done}`);
    assert.deepEqual([...readLogFile(path, rules).summary.done], [0]);
    writeFileSync(path, `${logHeader}\n${done}${"7".repeat(logLineBytesMax + 1)}\n${done}`);
    assert.throws(() => readLogFile(path, rules), new LogFormatError(`${path}:3: a line of more than ${logLineBytesMax} bytes, not a log line: the log is damaged; delete that line, or move the log away to start afresh`));
    writeFileSync(path, "x".repeat(3 * logLineBytesMax));
    assert.throws(() => readLogFile(path, rules), /not a skein flow log \(it starts "x{40}…"/);
    writeFileSync(path, logHeader.slice(0, 7)); // a kill during the first write
    assert.equal(readLogFile(path, rules).summary.done.size, 0);
    const log = new LogFile(path, realClock());
    log.append(done);
    log.write();
    await log.close();
    assert.match(readFileSync(path, "utf8"), new RegExp(`^${logHeader}\\n# RUN \\d+\\n${done}$`));
    assert.deepEqual([...readLogFile(path, rules).summary.done], [0], "the next run reads it");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("log file: a batch the disk takes only part of is a failure (the rest of it was lost), not a success", async (t) => {
  const mounted = spawnSync("sh", ["-c", 'd=$(mktemp -d) && mount -t tmpfs -o size=8k tmpfs "$d"; echo "$d"'], { encoding: "utf8" });
  const root = mounted.stdout.trim();
  if (spawnSync("mountpoint", ["-q", root]).status !== 0) return t.skip("cannot mount a small tmpfs here (not root?)");
  try {
    const log = new LogFile(join(root, "w.mf.skeinlog"), realClock());
    log.append("1 0 running 1 abcdef01 abcdef01\n".repeat(1000)); // 33 KB
    assert.equal(log.write(), false);
    assert.equal((log.failure as NodeJS.ErrnoException | undefined)?.code, "ENOSPC");
    await log.close();
  } finally {
    spawnSync("umount", [root]);
    rmSync(root, { recursive: true, force: true });
  }
});

test("log file: a new log is made with its first line, so a run that logs nothing leaves no file; a directory that cannot take it is said at once", async () => {
  const root = mkdtempSync(join(tmpdir(), "skein-log-"));
  try {
    const path = join(root, "w.mf.skeinlog");
    const idle = new LogFile(path, realClock());
    idle.write();
    await idle.close();
    assert.equal(existsSync(path), false);
    const used = new LogFile(path, realClock());
    used.append("1 0 running 1 abcdef01 abcdef01\n");
    await used.close();
    assert.match(readFileSync(path, "utf8"), new RegExp(`^${logHeader}\\n# RUN \\d+\\n1 0 running 1 abcdef01 abcdef01\\n$`));
    assert.throws(() => new LogFile(join(root, "no-such-directory", "w.mf.skeinlog"), realClock()), { code: "ENOENT" });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
