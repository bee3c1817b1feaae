import assert from "node:assert/strict";
import { test } from "node:test";
import { realClock } from "./real-clock.ts";

const clock = realClock();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("real clock: a timer fires once, after its delay; cancel stops a periodic one", async () => {
  // Waits for events rather than sleeping a fixed time, so a loaded machine only makes it slower.
  const deadline = new Promise<string>((resolve) => setTimeout(resolve, 10_000, "timed out").unref());
  const startMs = clock.nowMs();
  let fireOnce!: (ms: number) => void;
  const onceFired = new Promise<number>((resolve) => (fireOnce = resolve));
  const once = clock.setTimer(20, () => fireOnce(clock.nowMs()));
  let ticks = 0;
  let thirdTick!: () => void;
  const threeTicks = new Promise<void>((resolve) => (thirdTick = resolve));
  const periodic = clock.setPeriodic(5, () => {
    if (++ticks === 3) thirdTick();
  });
  assert.ok(once.active && periodic.active);
  const firedMs = await Promise.race([onceFired, deadline]);
  assert.equal(typeof firedMs, "number", "the one-shot timer never fired");
  assert.ok((firedMs as number) - startMs >= 19, `fired after ${(firedMs as number) - startMs} ms`);
  assert.equal(once.active, false);
  assert.notEqual(await Promise.race([threeTicks, deadline]), "timed out", `only ${ticks} periodic ticks`);
  periodic.cancel();
  const seen = ticks;
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
