import assert from "node:assert/strict";
import { test } from "node:test";
import { FakeEnvironment } from "../test/fake-environment.ts";
import { ForAllError, SiblingFailedError } from "./errors.ts";
import { forAll } from "./for-all.ts";

test("forAll: runs every branch at once and returns values in item order", async () => {
  const env = new FakeEnvironment();
  const values = await env.run(
    forAll([300, 100, 200], async (ms, signal) => {
      await env.sleep(ms, signal);
      return ms * 2;
    }),
  );
  assert.deepEqual(values, [600, 200, 400]);
  assert.equal(env.now(), 300, "in parallel: total time is the longest branch");
});

test("forAll: the first failure cancels the running siblings and waits for them", async () => {
  const env = new FakeEnvironment();
  const stopped: Array<{ index: number; atMs: number; reason: unknown }> = [];
  const outcome = env.run(
    forAll(["fast", "failing", "slow", "slower"], async (name, signal, index) => {
      if (name === "fast") return "ok";
      if (name === "failing") {
        await env.sleep(100, signal);
        throw new Error("branch broke");
      }
      try {
        await env.sleep(name === "slow" ? 10_000 : 20_000, signal);
        return "finished";
      } catch (reason) {
        await env.sleep(5); // cleanup takes a little while; forAll must wait for it
        stopped.push({ index, atMs: env.now(), reason });
        throw reason;
      }
    }),
  );
  const error = await outcome.then(
    () => assert.fail("should fail"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ForAllError);
  assert.equal(error.index, 1);
  assert.equal((error.cause as Error).message, "branch broke");
  assert.deepEqual(error.cancelled, [2, 3]);
  assert.deepEqual(error.succeeded, [0]);
  assert.deepEqual(
    stopped.map((s) => [s.index, s.atMs]),
    [
      [2, 105],
      [3, 105],
    ],
  );
  assert.ok(stopped.every((s) => s.reason instanceof SiblingFailedError));
  assert.equal(env.now(), 105, "forAll settled only after the cancelled branches finished cleaning up");
});

test("forAll: an empty list succeeds with no values", async () => {
  assert.deepEqual(await forAll([], async () => 1), []);
});

test("forAll: a synchronous throw in a branch is a branch failure", async () => {
  await assert.rejects(
    forAll([1, 2], (n) => {
      if (n === 2) throw new Error("sync");
      return Promise.resolve(n);
    }),
    (e) => e instanceof ForAllError && e.index === 1,
  );
});

test("forAll: the caller's signal cancels all branches and rejects with its reason", async () => {
  const env = new FakeEnvironment();
  const controller = new AbortController();
  const outcome = env.run(
    forAll([1, 2], async (_n, signal) => env.sleep(1000, signal), { signal: controller.signal }),
  );
  env.sleep(10).then(() => controller.abort(new Error("caller stop")));
  await assert.rejects(outcome, /caller stop/);
  assert.equal(env.now(), 10);
});

test("forAll: more branches than branchesMax is a RangeError", async () => {
  await assert.rejects(
    forAll([1, 2, 3], async () => 0, { branchesMax: 2 }),
    RangeError,
  );
});

test("forAll: a wide fan-out waiting on its signal raises no listener-leak warning", async () => {
  const warnings: string[] = [];
  const onWarning = (warning: Error): void => void warnings.push(warning.name);
  process.on("warning", onWarning);
  try {
    const env = new FakeEnvironment();
    const items = Array.from({ length: 1024 }, (_, i) => i);
    await env.run(forAll(items, (_item, signal) => env.sleep(100, signal)));
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on a later tick
  } finally {
    process.off("warning", onWarning);
  }
  assert.deepEqual(warnings, []);
});
