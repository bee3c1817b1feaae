import assert from "node:assert/strict";
import { test } from "node:test";
import { EventQueue } from "./event-queue.ts";
import { Random } from "./random.ts";

test("event queue: pops in (time, insertion) order, matching a sorted reference", () => {
  const random = new Random(7);
  const queue = new EventQueue<number>();
  const reference: Array<{ time: number; id: number }> = [];
  let id = 0;
  const popped: number[] = [];
  const expected: number[] = [];
  for (let round = 0; round < 2_000; round++) {
    const pushes = random.int(0, 5);
    for (let i = 0; i < pushes; i++) {
      const time = random.int(0, 50); // many ties
      queue.push(time, id);
      reference.push({ time, id });
      id++;
    }
    if (random.chance(0.6) && queue.length > 0) {
      popped.push(queue.pop()!);
      reference.sort((a, b) => a.time - b.time || a.id - b.id);
      expected.push(reference.shift()!.id);
    }
  }
  while (queue.length > 0) popped.push(queue.pop()!);
  reference.sort((a, b) => a.time - b.time || a.id - b.id);
  expected.push(...reference.map((r) => r.id));
  assert.deepEqual(popped, expected);
  assert.equal(queue.pop(), undefined);
  assert.equal(queue.peekTime(), Number.POSITIVE_INFINITY);
});

test("event queue: slots are reused, and grow past the initial capacity without losing order", () => {
  const queue = new EventQueue<never>();
  const timeOf = new Map<number, number>();
  for (let i = 0; i < 5_000; i++) {
    const slot = queue.reserve(5_000 - i);
    assert.ok(slot < queue.capacity && !timeOf.has(slot));
    timeOf.set(slot, 5_000 - i);
  }
  let last = 0;
  while (queue.length > 0) {
    const slot = queue.take();
    assert.equal(queue.lastTime, timeOf.get(slot));
    assert.ok(queue.lastTime >= last);
    last = queue.lastTime;
  }
  assert.equal(queue.take(), -1);
  assert.equal(queue.reserve(1), 0, "the slot freed last is reused first");
});
