import assert from "node:assert/strict";
import { test } from "node:test";
import { SilenceDetector } from "./silence-detector.ts";

/** Ticks every `intervalMs` from `fromMs` up to `toMs`, collecting who was declared lost when. */
function run(detector: SilenceDetector<string>, fromMs: number, toMs: number, intervalMs: number, heard: (nowMs: number) => void = () => {}): Array<[number, string, number]> {
  const lost: Array<[number, string, number]> = [];
  for (let nowMs = fromMs; nowMs <= toMs; nowMs += intervalMs) {
    heard(nowMs);
    for (const { peer, silentMs } of detector.tick(nowMs)) lost.push([nowMs, peer, silentMs]);
  }
  return lost;
}

test("silence: a peer that stops sending is lost after the timeout; one that keeps talking is not", () => {
  const detector = new SilenceDetector<string>({ intervalMs: 1_000, timeoutMs: 5_000 });
  detector.watch("chatty", 0);
  detector.watch("stopped", 0);
  const lost = run(detector, 1_000, 20_000, 1_000, (nowMs) => {
    detector.heard("chatty", nowMs - 10);
    if (nowMs <= 3_000) detector.heard("stopped", nowMs - 10);
  });
  // last heard at 2 990 ms: silent past 5 000 ms at the tick of 8 000 ms, then forgotten
  assert.deepEqual(lost, [[8_000, "stopped", 5_010]]);
  assert.equal(detector.size, 1);
});

test("silence: bytes of a long transfer count as life, however seldom a heartbeat gets through", () => {
  const detector = new SilenceDetector<string>({ intervalMs: 1_000, timeoutMs: 5_000 });
  detector.watch("busy", 0);
  // a 1 MiB chunk every 4 s, no heartbeat frame at all for a minute
  const lost = run(detector, 1_000, 60_000, 1_000, (nowMs) => {
    if (nowMs % 4_000 === 0) detector.heard("busy", nowMs);
  });
  assert.deepEqual(lost, []);
});

test("silence: a stall of the watcher itself is not counted as its peers' silence", () => {
  const detector = new SilenceDetector<string>({ intervalMs: 1_000, timeoutMs: 5_000 });
  detector.watch("peer", 0);
  assert.deepEqual(detector.tick(1_000), []);
  // the watcher's event loop was blocked for 30 s: its next tick comes late, before it has
  // read what the peer sent meanwhile
  assert.deepEqual(detector.tick(31_000), []);
  detector.heard("peer", 31_001);
  assert.deepEqual(detector.tick(32_000), []);
  // a peer that really is silent after the stall is still caught, one timeout later
  assert.deepEqual(run(detector, 33_000, 40_000, 1_000), [[37_000, "peer", 5_999]]);
});

test("silence: a timeout not above the heartbeat interval is refused", () => {
  assert.throws(() => new SilenceDetector({ intervalMs: 1_000, timeoutMs: 1_000 }), /must exceed the heartbeat interval/);
  assert.throws(() => new SilenceDetector({ intervalMs: 0, timeoutMs: 1_000 }), /must be positive/);
});

test("silence: a stall before the first tick counts from the first watch: a watcher stopped right after it began watching does not blame its peer", () => {
  const detector = new SilenceDetector<string>({ intervalMs: 1_000, timeoutMs: 5_000 });
  detector.watch("master", 0);
  // stopped (SIGSTOP) 100 ms in, continued 8 s later: the first tick comes 7 103 ms late
  assert.deepEqual(detector.tick(8_103), []);
  detector.heard("master", 8_104);
  assert.deepEqual(run(detector, 9_103, 20_103, 1_000, (nowMs) => detector.heard("master", nowMs - 10)), []);
});

test("silence: after a stall each peer gets one more interval to be heard, since what it sent meanwhile is read after the overdue tick", () => {
  const detector = new SilenceDetector<string>({ intervalMs: 1_000, timeoutMs: 5_000 });
  detector.watch("talks", 0);
  detector.watch("quiet", 0);
  // both quiet for 5 s (not yet past the timeout), then the watcher stalls from 5 s to 14 s
  assert.deepEqual(run(detector, 1_000, 5_000, 1_000), []);
  // counted without the stall, 6 s of silence: the overdue tick judges no one...
  assert.deepEqual(detector.tick(14_000), []);
  // ...so "talks", whose bytes had been waiting in the socket, is heard before the next tick
  detector.heard("talks", 14_001);
  assert.deepEqual(detector.tick(15_000), [{ peer: "quiet", silentMs: 7_000 }]);
  assert.equal(detector.size, 1);
});
