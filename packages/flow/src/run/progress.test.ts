import assert from "node:assert/strict";
import { test } from "node:test";
import type { RuleState } from "../schedule/types.ts";
import { LastFinish, progressLine, progressWidthDefault } from "./progress.ts";

const counts = (partial: Partial<Record<RuleState, number>>): Record<RuleState, number> => ({ waiting: 0, ready: 0, running: 0, retrying: 0, done: 0, failed: 0, ...partial });

test("progress: waiting, running apart from queued, done, failed, workers, and an ETA from the mean so far, under a bar", () => {
  // 10 done in 5 s, 31 left: 15.5 s
  const line = progressLine({ counts: counts({ waiting: 20, ready: 2, running: 8, done: 10, retrying: 1 }), queued: 6, workers: 3, elapsedMs: 5_000 }, 120);
  assert.equal(line, "[#######-----------------------] waiting 23  running 2 (+6 queued)  done 10  failed 0  workers 3  ETA 16s");
  const end = progressLine({ counts: counts({ done: 39, failed: 1 }), workers: 0, elapsedMs: 90_000 }, 120);
  assert.equal(end, `[${"#".repeat(30)}] waiting 0  running 0  done 39  failed 1  workers 0  ETA 0s`);
  assert.match(progressLine({ counts: counts({ ready: 5 }), workers: 0, elapsedMs: 10 }, 120), /ETA \?$/, "no estimate before a rule is done");
});

test("progress: the line fits the terminal; a terminal that reports no width gets the default, not an empty line", () => {
  const snapshot = { counts: counts({ waiting: 100, running: 2, done: 3 }), workers: 0, elapsedMs: 4_000 };
  // narrower than the short form: one letter a count, failed and the ETA kept (they were cut off)
  assert.equal(progressLine(snapshot, 40), "[--------------] w100 r2 d3 f0 k0 2m16s");
  assert.equal(progressLine({ ...snapshot, queued: 1, workers: undefined }, 40), "[--------------] w100 r1+1q d3 f0 2m16s");
  assert.equal(progressLine({ ...snapshot, workers: undefined }, 20), "w100 r2 d3 f0 2m16s");
  assert.equal(progressLine({ ...snapshot, workers: undefined }, 44), "wait 100 run 2 done 3 fail 0 ETA 2m16s", "a narrow terminal keeps failed and the ETA");
  assert.equal(progressLine(snapshot, 64), "waiting 100  running 2  done 3  failed 0  workers 0  ETA 2m16s", "no room for a bar: the counts stay");
  for (const width of [0, undefined]) {
    const line = progressLine(snapshot, width);
    assert.match(line, /^\[[#-]+\] waiting 100 {2}running 2/);
    assert.ok(line.length <= progressWidthDefault);
  }
});

test("progress: without workers (-T local, -T slurm) the line does not count them", () => {
  const line = progressLine({ counts: counts({ running: 1, done: 1 }), elapsedMs: 1_000 }, 120);
  assert.equal(line, "[###############---------------] waiting 0  running 1  done 1  failed 0  ETA 1s");
});

test("progress: a rerun's ETA is paced by the rules it ran, not by those its log found done", () => {
  // 900 found done, 10 run in 5 s, 90 left: 45 s (not 5 s × 90 / 910)
  const line = progressLine({ counts: counts({ waiting: 88, running: 2, done: 910 }), doneBefore: 900, elapsedMs: 5_000 }, 120);
  assert.ok(line.endsWith("done 910  failed 0  ETA 45s"), line);
  assert.match(progressLine({ counts: counts({ waiting: 100, done: 900 }), doneBefore: 900, elapsedMs: 1_000 }, 120), /ETA \?$/, "no pace before this run finished a rule");
});

test("progress: the ETA is the estimate made when a rule last finished, counting down; stale once it ran out with nothing finished", () => {
  // 2 done by 4 s, 2 left: 4 s then; a long rule runs on
  const snapshot = { counts: counts({ running: 1, waiting: 1, done: 2 }), lastFinishMs: 4_000 };
  assert.match(progressLine({ ...snapshot, elapsedMs: 4_000 }, 120), /ETA 4s$/);
  assert.match(progressLine({ ...snapshot, elapsedMs: 5_000 }, 120), /ETA 3s$/, "counts down, not up (5 s × 2 / 2 = 5 s)");
  assert.match(progressLine({ ...snapshot, elapsedMs: 7_000 }, 120), /ETA 1s$/);
  assert.match(progressLine({ ...snapshot, elapsedMs: 7_800 }, 120), /ETA 1s$/, "rounded up: not 0s with rules left");
  assert.match(progressLine({ ...snapshot, elapsedMs: 8_000 }, 120), /ETA \?$/, "past the estimate with nothing finished: stale");
  assert.match(progressLine({ ...snapshot, elapsedMs: 60_000 }, 120), /ETA \?$/);
});

test("progress: a run's last line has no ETA when it stopped with rules left, and ETA 0s when all finished", () => {
  const stopped = progressLine({ counts: counts({ waiting: 5, done: 3, failed: 1 }), elapsedMs: 3_000, lastFinishMs: 1_000, ended: true }, 120);
  assert.ok(stopped.endsWith("waiting 5  running 0  done 3  failed 1"), stopped);
  assert.ok(progressLine({ counts: counts({ waiting: 5, done: 3 }), workers: 2, elapsedMs: 3_000, ended: true }, 44).endsWith("done 3 fail 0 wk 2"), "the short form too");
  assert.match(progressLine({ counts: counts({ done: 9 }), elapsedMs: 3_000, ended: true }, 120), /failed 0 {2}ETA 0s$/);
});

test("progress: LastFinish keeps the time the finished count last changed", () => {
  const last = new LastFinish();
  assert.equal(last.at(0, 100), 100);
  assert.equal(last.at(0, 900), 100);
  assert.equal(last.at(1, 1_200), 1_200);
  assert.equal(last.at(1, 5_000), 1_200);
});
