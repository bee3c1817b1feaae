import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "./random.ts";

test("random: a seed and stream give the same numbers; other seeds and streams differ", () => {
  const draw = (seed: number, stream: number) => Array.from({ length: 8 }, ((r) => () => r.next())(new Random(seed, stream)));
  assert.deepEqual(draw(42, 0), draw(42, 0));
  assert.notDeepEqual(draw(42, 0), draw(43, 0));
  assert.notDeepEqual(draw(42, 0), draw(42, 1));
});

test("random: uniform in [0, 1) with a plausible mean; int covers its range", () => {
  const r = new Random(1);
  let sum = 0;
  const seen = new Set<number>();
  for (let i = 0; i < 100_000; i++) {
    const x = r.next();
    assert.ok(x >= 0 && x < 1);
    sum += x;
    seen.add(r.int(1, 6));
  }
  assert.ok(Math.abs(sum / 100_000 - 0.5) < 0.01);
  assert.deepEqual([...seen].sort(), [1, 2, 3, 4, 5, 6]);
});
