import assert from "node:assert/strict";
import { test } from "node:test";
import { FakeEnvironment } from "../test/fake-environment.ts";
import { ForAnyError } from "./errors.ts";
import { forAny } from "./for-any.ts";

test("forAny: tries alternatives in order and returns the first success", async () => {
  const tried: string[] = [];
  const result = await forAny(["X", "Y", "Z", "W"], async (server) => {
    tried.push(server);
    if (server !== "Z") throw new Error(`${server} is down`);
    return `file from ${server}`;
  });
  assert.deepEqual(result, { item: "Z", index: 2, value: "file from Z" });
  assert.deepEqual(tried, ["X", "Y", "Z"], "W is never tried");
});

test("forAny: ForAnyError holds every alternative's error, in order", async () => {
  const error = await forAny([1, 2, 3], async (n) => {
    throw new Error(`no ${n}`);
  }).then(
    () => assert.fail("should fail"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ForAnyError);
  assert.ok(error instanceof AggregateError);
  assert.deepEqual(
    error.errors.map((e: Error) => e.message),
    ["no 1", "no 2", "no 3"],
  );
});

test("forAny: no alternatives is a failure, not a success", async () => {
  await assert.rejects(
    forAny([], async () => "x"),
    (e) => e instanceof ForAnyError && e.errors.length === 0,
  );
});

test("forAny: cancellation stops the alternative in flight and tries no more", async () => {
  const env = new FakeEnvironment();
  const controller = new AbortController();
  const tried: number[] = [];
  const outcome = env.run(
    forAny(
      [1, 2, 3],
      async (n, signal) => {
        tried.push(n);
        await env.sleep(100, signal);
        throw new Error("slow failure");
      },
      { signal: controller.signal },
    ),
  );
  env.sleep(150).then(() => controller.abort(new Error("cancelled by caller")));
  await assert.rejects(outcome, /cancelled by caller/);
  assert.deepEqual(tried, [1, 2]);
  assert.equal(env.now(), 150);
});
