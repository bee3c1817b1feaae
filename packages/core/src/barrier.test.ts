import assert from "node:assert/strict";
import { test } from "node:test";
import { firstSuccess, quorum, settleAll } from "./barrier.ts";
import { AllFailedError, QuorumError } from "./errors.ts";

const fail = (message: string) => Promise.reject(new Error(message));

test("settleAll: keeps input order and never rejects", async () => {
  const settled = await settleAll([Promise.resolve(1), fail("x"), Promise.resolve(3)]);
  assert.deepEqual(
    settled.map((s) => (s.ok ? s.value : (s.error as Error).message)),
    [1, "x", 3],
  );
});

test("quorum: resolves with the first `needed` successes", async () => {
  assert.deepEqual(await quorum([Promise.resolve("a"), fail("b"), Promise.resolve("c")], 2), ["a", "c"]);
  assert.deepEqual(await quorum([fail("a")], 0), []);
});

test("quorum: rejects with QuorumError as soon as it is impossible", async () => {
  const error = await quorum([fail("a"), fail("b"), new Promise<string>(() => {})], 2).catch((e: unknown) => e);
  assert.ok(error instanceof QuorumError);
  assert.equal(error.needed, 2);
  assert.equal(error.errors.length, 2);
});

test("quorum: rejects when its deadline expires first", async () => {
  let expire = () => {};
  const pending = quorum([new Promise<number>(() => {})], 1, 50, (_ms, onExpire) => {
    expire = onExpire;
    return () => {};
  });
  expire();
  await assert.rejects(pending, (e: unknown) => e instanceof QuorumError && /timed out after 50 ms/.test(e.message));
});

test("quorum: refuses an impossible size", async () => {
  await assert.rejects(quorum([Promise.resolve(1)], 2), QuorumError);
});

test("firstSuccess: the first success wins; all failures give AllFailedError in input order", async () => {
  assert.equal(await firstSuccess([fail("a"), Promise.resolve(2), Promise.resolve(3)]), 2);
  const error = await firstSuccess([fail("a"), fail("b")]).catch((e: unknown) => e);
  assert.ok(error instanceof AllFailedError);
  assert.deepEqual(
    error.errors.map((e) => (e as Error).message),
    ["a", "b"],
  );
  await assert.rejects(firstSuccess([]), AllFailedError);
});
