/**
 * How retry, forAny and forAll fail. Each is a named `Error` subclass, so a caller can choose its
 * own recovery with `instanceof`; the underlying failure is always kept as `cause` (or `errors`).
 * Cancellation from outside (the caller's own `signal`) is not wrapped: the helpers reject with
 * `signal.reason`, as `fetch` and Node's timers do.
 */

/** `retry` ran out of time: the deadline passed during an attempt, or no attempt could start before it. */
export class RetryTimeoutError extends Error {
  override name = "RetryTimeoutError";
  /** Attempts started, including one cancelled at the deadline. */
  readonly attempts: number;
  /** The time limit (`forMs`). */
  readonly forMs: number;
  /** True if an attempt was running when the deadline passed and was cancelled. */
  readonly cancelledAttempt: boolean;

  constructor(init: { attempts: number; forMs: number; cancelledAttempt: boolean; cause: unknown }) {
    super(
      init.cancelledAttempt
        ? `gave up after ${init.forMs} ms and ${init.attempts} attempt(s); the running attempt was cancelled`
        : `gave up after ${init.attempts} attempt(s): the next would start past the time limit of ${init.forMs} ms`,
      { cause: init.cause },
    );
    this.attempts = init.attempts;
    this.forMs = init.forMs;
    this.cancelledAttempt = init.cancelledAttempt;
  }
}

/** `retry` used up its allowed number of attempts (`times`); `cause` is the last attempt's error. */
export class RetryExhaustedError extends Error {
  override name = "RetryExhaustedError";
  readonly attempts: number;

  constructor(init: { attempts: number; cause: unknown }) {
    super(`all ${init.attempts} attempt(s) failed`, { cause: init.cause });
    this.attempts = init.attempts;
  }
}

/** Every alternative of `forAny` failed (or there were none); `errors[i]` is why item i failed. */
export class ForAnyError extends AggregateError {
  override name = "ForAnyError";

  constructor(errors: unknown[]) {
    super(errors, errors.length === 0 ? "no alternatives to try" : `all ${errors.length} alternatives failed`);
  }
}

/** A branch of `forAll` failed; the branches still running then were cancelled and awaited. */
export class ForAllError extends Error {
  override name = "ForAllError";
  /** Index of the branch that failed first; `cause` is its error. */
  readonly index: number;
  /** Indices of the branches that were still running and got cancelled, ascending. */
  readonly cancelled: number[];
  /** Indices of the branches that had already succeeded, ascending. */
  readonly succeeded: number[];

  constructor(init: { index: number; cause: unknown; cancelled: number[]; succeeded: number[] }) {
    super(`branch ${init.index} failed; cancelled ${init.cancelled.length} running branch(es)`, {
      cause: init.cause,
    });
    this.index = init.index;
    this.cancelled = init.cancelled;
    this.succeeded = init.succeeded;
  }
}

/** The reason given to a `forAll` branch's signal when a sibling failed. */
export class SiblingFailedError extends Error {
  override name = "SiblingFailedError";
}

/** The reason given to a `retry` attempt's signal when the time limit passed. */
export class DeadlineError extends Error {
  override name = "DeadlineError";
}
