import assert from "node:assert/strict";
import { test } from "node:test";
import { FakeEnvironment } from "../test/fake-environment.ts";
import { RetryExhaustedError, RetryTimeoutError } from "./errors.ts";
import { type RetryEvent, retry } from "./retry.ts";

const fail = (message: string) => async (): Promise<never> => {
  throw new Error(message);
};

/** An attempt that works for `ms` of virtual time, then fails; it stops early if cancelled. */
function slowFailure(env: FakeEnvironment, ms: number) {
  return async (signal: AbortSignal): Promise<never> => {
    await env.sleep(ms, signal);
    throw new Error("slow failure");
  };
}

test("retry: returns the first success and passes the attempt number", async () => {
  const env = new FakeEnvironment();
  const seen: number[] = [];
  const value = await env.run(
    retry(
      async (_signal, attempt) => {
        seen.push(attempt);
        if (attempt < 2) throw new Error("not yet");
        return "done";
      },
      { times: 5 },
      env,
    ),
  );
  assert.equal(value, "done");
  assert.deepEqual(seen, [0, 1, 2]);
});

test("retry: delays grow as min(R·T·F^N, M) with R in [1, 2] (seeded jitter)", async () => {
  for (const seed of [1, 2, 3, 42]) {
    const env = new FakeEnvironment({ seed });
    const events: RetryEvent[] = [];
    const backoff = { initialMs: 100, factor: 2, maxMs: 5000 };
    const outcome = env.run(retry(fail("down"), { times: 12, backoff, onEvent: (e) => events.push(e) }, env));
    await assert.rejects(outcome, RetryExhaustedError);
    const delays = events.flatMap((e) => (e.type === "delay" ? [e.delayMs] : []));
    assert.equal(delays.length, 11);
    assert.deepEqual(env.sleepsMs, delays, "the delays reported are the sleeps taken");
    delays.forEach((delayMs, n) => {
      const floorMs = Math.min(100 * 2 ** n, 5000);
      const ceilingMs = Math.min(2 * 100 * 2 ** n, 5000);
      assert.ok(delayMs >= floorMs && delayMs <= ceilingMs, `seed ${seed}, delay ${n}: ${delayMs}`);
    });
    assert.equal(delays.at(-1), 5000, "late delays sit at the cap");
    assert.ok(delays[3]! > delays[0]!, "delays grow");
  }
});

test("retry: jitter extremes hit the bounds exactly", async () => {
  for (const [random, expected] of [
    [0, [10, 20, 40, 50]],
    [0.999, [19.99, 39.98, 50, 50]],
  ] as const) {
    const env = new FakeEnvironment({ random: () => random });
    const outcome = env.run(retry(fail("x"), { times: 5, backoff: { initialMs: 10, factor: 2, maxMs: 50 } }, env));
    await assert.rejects(outcome, RetryExhaustedError);
    assert.deepEqual(
      env.sleepsMs.map((ms) => Math.round(ms * 100) / 100),
      expected,
    );
  }
});

test("retry: RetryExhaustedError carries the attempts and the last error as cause", async () => {
  const env = new FakeEnvironment();
  let calls = 0;
  const outcome = env.run(
    retry(
      async () => {
        calls++;
        throw new Error(`failure ${calls}`);
      },
      { times: 3 },
      env,
    ),
  );
  const error = await outcome.then(
    () => assert.fail("should fail"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof RetryExhaustedError);
  assert.equal(error.attempts, 3);
  assert.equal((error.cause as Error).message, "failure 3");
});

test("retry: with no limits the operation runs exactly once (ftsh's plain try)", async () => {
  const env = new FakeEnvironment();
  let calls = 0;
  const outcome = env.run(
    retry(async () => {
      calls++;
      throw new Error("once");
    }, {}, env),
  );
  await assert.rejects(outcome, RetryExhaustedError);
  assert.equal(calls, 1);
  assert.deepEqual(env.sleepsMs, []);
});

test("retry: the deadline cancels the running attempt, waits for it, then times out", async () => {
  const env = new FakeEnvironment();
  let sawAbortAtMs = -1;
  const outcome = env.run(
    retry(
      async (signal) => {
        signal.addEventListener("abort", () => {
          sawAbortAtMs = env.now();
        });
        await env.sleep(100_000, signal); // hangs far past the deadline
        return "never";
      },
      { forMs: 2000 },
      env,
    ),
  );
  const error = await outcome.then(
    () => assert.fail("should time out"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof RetryTimeoutError);
  assert.equal(error.cancelledAttempt, true);
  assert.equal(error.attempts, 1);
  assert.equal(sawAbortAtMs, 2000);
  assert.equal(env.now(), 2000);
  assert.equal(env.pendingTimers, 0, "no timer left behind");
});

test("retry: gives up at once when the next wait would end past the deadline", async () => {
  const env = new FakeEnvironment({ random: () => 0 });
  const events: RetryEvent[] = [];
  const outcome = env.run(
    retry(slowFailure(env, 100), { forMs: 5000, backoff: { initialMs: 1000 }, onEvent: (e) => events.push(e) }, env),
  );
  const error = await outcome.then(
    () => assert.fail("should time out"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof RetryTimeoutError);
  assert.equal(error.cancelledAttempt, false);
  // attempts at 0, 1100, 3200; the next wait (4000 ms) would end at 7300 > 5000
  assert.equal(error.attempts, 3);
  assert.equal(env.now(), 3300);
  // it says what happened: not "gave up after 5000 ms" at 3300 ms
  assert.equal(error.message, "gave up after 3 attempt(s): the next would start past the time limit of 5000 ms");
  assert.deepEqual(events.at(-1), { type: "give-up", attempt: 2, elapsedMs: 3300, reason: "time" });
});

test("retry: everyMs keeps a fixed period measured from each attempt's start", async () => {
  const env = new FakeEnvironment();
  const startsMs: number[] = [];
  const outcome = env.run(
    retry(
      async (signal) => {
        startsMs.push(env.now());
        await env.sleep(300, signal);
        throw new Error("periodic failure");
      },
      { times: 4, everyMs: 1000 },
      env,
    ),
  );
  await assert.rejects(outcome, RetryExhaustedError);
  assert.deepEqual(startsMs, [0, 1000, 2000, 3000]);
});

test("retry: the caller's signal cancels the attempt and rejects with its reason", async () => {
  const env = new FakeEnvironment();
  const controller = new AbortController();
  const reason = new Error("caller gave up");
  const outcome = env.run(
    retry(
      async (signal) => {
        env.sleep(50).then(() => controller.abort(reason));
        await env.sleep(10_000, signal);
      },
      { times: 3, signal: controller.signal },
      env,
    ),
  );
  await assert.rejects(outcome, (e) => e === reason);
  assert.equal(env.now(), 50);
});

test("retry: the caller's signal also interrupts a backoff wait", async () => {
  const env = new FakeEnvironment({ random: () => 0 });
  const controller = new AbortController();
  const outcome = env.run(retry(fail("x"), { times: 10, signal: controller.signal }, env));
  env.sleep(500).then(() => controller.abort(new Error("stop")));
  await assert.rejects(outcome, /stop/);
  assert.equal(env.now(), 500);
});

test("retry: bad options are RangeErrors", async () => {
  const env = new FakeEnvironment();
  await assert.rejects(retry(fail("x"), { times: 0 }, env), RangeError);
  await assert.rejects(retry(fail("x"), { times: 1.5 }, env), RangeError);
  await assert.rejects(retry(fail("x"), { forMs: -1 }, env), RangeError);
  await assert.rejects(retry(fail("x"), { everyMs: Number.NaN }, env), RangeError);
});
