/**
 * `retry`: run an operation until it succeeds, limited by a number of attempts and/or a time
 * budget, waiting with jittered exponential backoff (or a fixed `everyMs` period) in between.
 * This is ftsh's `try` statement as a function, and the shell's `try` is built on it.
 *
 * The time limit covers the attempts, not just the waits: when it passes during an attempt, the
 * attempt's signal aborts and `retry` waits for the attempt to settle before it rejects, so no
 * work outlives the call. When the next wait would end past the deadline, `retry` gives up at
 * once instead of sleeping into a failure it already knows about. (The alternative — a timer
 * that abandons the attempt's promise — leaves processes and sockets running; rejected.)
 */
import { type BackoffInit, backoffDelayMs, resolveBackoff } from "./backoff.ts";
import type { RetryEnvironment } from "./environment.ts";
import { DeadlineError, RetryExhaustedError, RetryTimeoutError } from "./errors.ts";

/** Options of `retry`. With neither `forMs` nor `times` the operation runs once (ftsh's plain `try`). */
export interface RetryInit {
  /** Time limit over all attempts and waits. Unlimited if absent. */
  forMs?: number;
  /** Maximum number of attempts (>= 1). Unlimited if absent and `forMs` is given. */
  times?: number;
  /** Fixed period: each attempt starts at least this long after the previous one started. Replaces backoff. */
  everyMs?: number;
  /** Backoff parameters (defaults: 1 s doubling up to 1 hour). */
  backoff?: BackoffInit;
  /** Cancels the whole retry; it then rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Observes every attempt, outcome and delay (for logs); must not throw. */
  onEvent?: (event: RetryEvent) => void;
}

/** What `retry` reports to `onEvent`. `attempt` counts from 0; `elapsedMs` is since `retry` started. */
export type RetryEvent =
  | { type: "attempt"; attempt: number; elapsedMs: number }
  | { type: "success"; attempt: number; elapsedMs: number }
  | { type: "failure"; attempt: number; elapsedMs: number; error: unknown }
  | { type: "delay"; attempt: number; delayMs: number }
  | { type: "give-up"; attempt: number; elapsedMs: number; reason: "time" | "times" | "cancelled" };

type AttemptOutcome<T> =
  | { ok: true; value: T }
  | { ok: false; error: unknown; cancelledBy: "deadline" | "caller" | undefined };

/**
 * Runs `fn` until it resolves. Rejects with `RetryExhaustedError` after `times` failures,
 * `RetryTimeoutError` when `forMs` runs out, or `signal.reason` when the caller cancels.
 * `fn` gets an `AbortSignal` that aborts at the deadline or on cancellation, and must settle
 * promptly after it aborts.
 */
export async function retry<T>(
  fn: (signal: AbortSignal, attempt: number) => Promise<T>,
  init: RetryInit = {},
  env: RetryEnvironment,
): Promise<T> {
  const { forMs, timesMax, everyMs, backoff } = resolveRetryInit(init);
  const startMs = env.now();
  const deadlineMs = startMs + forMs;
  const emit = (event: RetryEvent): void => init.onEvent?.(event);
  for (let attempt = 0; ; attempt++) {
    if (init.signal?.aborted) {
      emit({ type: "give-up", attempt, elapsedMs: env.now() - startMs, reason: "cancelled" });
      throw init.signal.reason;
    }
    const attemptStartMs = env.now();
    emit({ type: "attempt", attempt, elapsedMs: attemptStartMs - startMs });
    const outcome = await runAttempt(fn, attempt, deadlineMs, init.signal, env);
    const elapsedMs = env.now() - startMs;
    if (outcome.ok) {
      emit({ type: "success", attempt, elapsedMs });
      return outcome.value;
    }
    emit({ type: "failure", attempt, elapsedMs, error: outcome.error });
    const attempts = attempt + 1;
    if (outcome.cancelledBy === "caller") {
      emit({ type: "give-up", attempt, elapsedMs, reason: "cancelled" });
      throw init.signal?.reason;
    }
    if (outcome.cancelledBy === "deadline") {
      emit({ type: "give-up", attempt, elapsedMs, reason: "time" });
      throw new RetryTimeoutError({ attempts, forMs, cancelledAttempt: true, cause: outcome.error });
    }
    if (attempts >= timesMax) {
      emit({ type: "give-up", attempt, elapsedMs, reason: "times" });
      throw new RetryExhaustedError({ attempts, cause: outcome.error });
    }
    const delayMs =
      everyMs === undefined
        ? backoffDelayMs(attempt, backoff, env.random())
        : Math.max(0, attemptStartMs + everyMs - env.now());
    if (env.now() + delayMs >= deadlineMs) {
      emit({ type: "give-up", attempt, elapsedMs, reason: "time" });
      throw new RetryTimeoutError({ attempts, forMs, cancelledAttempt: false, cause: outcome.error });
    }
    emit({ type: "delay", attempt, delayMs });
    try {
      await env.sleep(delayMs, init.signal);
    } catch (reason) {
      emit({ type: "give-up", attempt, elapsedMs: env.now() - startMs, reason: "cancelled" });
      throw reason;
    }
  }
}

function resolveRetryInit(init: RetryInit): {
  forMs: number;
  timesMax: number;
  everyMs: number | undefined;
  backoff: Required<BackoffInit>;
} {
  const { forMs, times, everyMs } = init;
  if (forMs !== undefined && !(forMs > 0)) throw new RangeError(`forMs must be > 0, got ${forMs}`);
  if (times !== undefined && !(Number.isSafeInteger(times) && times >= 1)) {
    throw new RangeError(`times must be an integer >= 1, got ${times}`);
  }
  if (everyMs !== undefined && !(Number.isFinite(everyMs) && everyMs >= 0)) {
    throw new RangeError(`everyMs must be a finite number >= 0, got ${everyMs}`);
  }
  const timesMax = times ?? (forMs === undefined ? 1 : Number.POSITIVE_INFINITY);
  return { forMs: forMs ?? Number.POSITIVE_INFINITY, timesMax, everyMs, backoff: resolveBackoff(init.backoff) };
}

async function runAttempt<T>(
  fn: (signal: AbortSignal, attempt: number) => Promise<T>,
  attempt: number,
  deadlineMs: number,
  callerSignal: AbortSignal | undefined,
  env: RetryEnvironment,
): Promise<AttemptOutcome<T>> {
  const controller = new AbortController();
  const onCallerAbort = (): void => controller.abort(callerSignal?.reason);
  callerSignal?.addEventListener("abort", onCallerAbort, { once: true });
  const timer = new AbortController();
  let deadlinePassed = false;
  if (deadlineMs !== Number.POSITIVE_INFINITY) {
    env.sleep(Math.max(0, deadlineMs - env.now()), timer.signal).then(
      () => {
        deadlinePassed = true;
        controller.abort(new DeadlineError("the try's time limit passed"));
      },
      () => {}, // the attempt finished first and stopped the timer
    );
  }
  try {
    return { ok: true, value: await fn(controller.signal, attempt) };
  } catch (error) {
    const cancelledBy = callerSignal?.aborted ? "caller" : deadlinePassed ? "deadline" : undefined;
    return { ok: false, error, cancelledBy };
  } finally {
    timer.abort();
    callerSignal?.removeEventListener("abort", onCallerAbort);
  }
}
