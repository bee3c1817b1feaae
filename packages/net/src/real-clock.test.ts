import assert from "node:assert/strict";
import { test } from "node:test";
import { realClock } from "./real-clock.ts";

const clock = realClock();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("real clock: a timer fires once, after its delay; cancel stops a periodic one", async () => {
  const startMs = clock.nowMs();
  let firedMs = -1;
  const once = clock.setTimer(20, () => (firedMs = clock.nowMs()));
  let ticks = 0;
  const periodic = clock.setPeriodic(5, () => ticks++);
  assert.ok(once.active && periodic.active);
  await sleep(80);
  assert.ok(firedMs - startMs >= 19, `fired after ${firedMs - startMs} ms`);
  assert.equal(once.active, false);
  periodic.cancel();
  const seen = ticks;
  assert.ok(seen >= 3, `${seen} periodic ticks in 80 ms`);
  await sleep(30);
  assert.equal(ticks, seen, "no tick after cancel");
  assert.ok(Math.abs(clock.epochMs() - Date.now()) < 1_000);
});

test("real clock: a delay beyond Node's 2^31 − 1 ms timer limit does not fire at once", async () => {
  let fired = false;
  const timer = clock.setTimer(2 ** 31 + 1_000, () => (fired = true));
  await sleep(30);
  assert.equal(fired, false);
  timer.cancel();
});
