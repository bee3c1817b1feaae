import assert from "node:assert/strict";
import { test } from "node:test";
import { backoffDefaults, backoffDelayMs, resolveBackoff } from "./backoff.ts";

test("backoff: defaults are the manual's (1 s, doubling, at most 1 hour)", () => {
  assert.deepEqual({ ...backoffDefaults }, { initialMs: 1000, factor: 2, maxMs: 3_600_000 });
});

test("backoff: R = 1 gives the floor T·F^N, R → 2 the ceiling 2·T·F^N, capped at M", () => {
  const backoff = resolveBackoff({ initialMs: 100, factor: 3, maxMs: 10_000 });
  assert.equal(backoffDelayMs(0, backoff, 0), 100);
  assert.equal(backoffDelayMs(2, backoff, 0), 900);
  assert.equal(backoffDelayMs(2, backoff, 0.5), 1350);
  assert.ok(backoffDelayMs(2, backoff, 0.999999) < 1800);
  assert.equal(backoffDelayMs(4, backoff, 0), 8100);
  assert.equal(backoffDelayMs(4, backoff, 0.5), 10_000);
  assert.equal(backoffDelayMs(5000, backoff, 0.5), 10_000, "huge N overflows to Infinity, still capped");
});

test("backoff: bad parameters are RangeErrors, missing ones take defaults", () => {
  assert.throws(() => resolveBackoff({ initialMs: -1 }), RangeError);
  assert.throws(() => resolveBackoff({ factor: 0.5 }), RangeError);
  assert.throws(() => resolveBackoff({ maxMs: Number.NaN }), RangeError);
  assert.deepEqual(resolveBackoff({ factor: 3, maxMs: undefined }), { initialMs: 1000, factor: 3, maxMs: 3_600_000 });
});
