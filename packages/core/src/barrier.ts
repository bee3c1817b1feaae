/**
 * Parallel barriers over promises, WiDS's PAR_BEGIN/PAR_END for `async` code: a two-phase
 * commit coordinator prepares everywhere at once and waits for all, a quorum, or the first
 * success. They settle through the promises alone, so they are deterministic in the simulator.
 */
import { AllFailedError, QuorumError } from "./errors.ts";

/** The outcome of one promise: its value, or the error it failed with. */
export type Settled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/** Waits for every promise; never rejects. Results keep the input order. */
export function settleAll<T>(promises: Iterable<PromiseLike<T>>): Promise<Settled<T>[]> {
  return Promise.all(
    [...promises].map((p) =>
      Promise.resolve(p).then(
        (value): Settled<T> => ({ ok: true, value }),
        (error: unknown): Settled<T> => ({ ok: false, error }),
      ),
    ),
  );
}

/** Arms a deadline; returns a function that disarms it. */
export type Deadline = (timeoutMs: number, onExpire: () => void) => () => void;

/**
 * Resolves with the first `needed` values in the order they arrive. Rejects with QuorumError
 * as soon as too many promises failed for the quorum to be possible, or when `timeoutMs`
 * passes first (if a deadline is given). Later outcomes are ignored.
 */
export function quorum<T>(promises: Iterable<PromiseLike<T>>, needed: number, timeoutMs?: number, deadline?: Deadline): Promise<T[]> {
  const list = [...promises];
  return new Promise((resolve, reject) => {
    if (!Number.isInteger(needed) || needed < 0 || needed > list.length) {
      for (const p of list) Promise.resolve(p).then(undefined, () => {}); // outcomes no longer matter
      reject(new QuorumError(needed, 0, [], `needed must be an integer in [0, ${list.length}]`));
      return;
    }
    const values: T[] = [];
    const errors: unknown[] = [];
    let done = false;
    let disarm = () => {};
    const finish = (error?: QuorumError) => {
      done = true;
      disarm();
      if (error) reject(error);
      else resolve(values.slice());
    };
    if (timeoutMs !== undefined && deadline && needed > 0) {
      disarm = deadline(timeoutMs, () => !done && finish(new QuorumError(needed, values.length, errors, `timed out after ${timeoutMs} ms`)));
    }
    for (const p of list) {
      Promise.resolve(p).then(
        (value) => {
          if (done) return;
          values.push(value);
          if (values.length === needed) finish();
        },
        (error: unknown) => {
          if (done) return;
          errors.push(error);
          if (list.length - errors.length < needed) finish(new QuorumError(needed, values.length, errors, "too many failures"));
        },
      );
    }
    if (needed === 0) finish(); // after attaching handlers, so late failures are never unhandled
  });
}

/** Resolves with the first success; rejects with AllFailedError (errors in input order) if none. */
export function firstSuccess<T>(promises: Iterable<PromiseLike<T>>): Promise<T> {
  const list = [...promises];
  return new Promise((resolve, reject) => {
    if (list.length === 0) return reject(new AllFailedError([]));
    const errors: unknown[] = new Array(list.length);
    let failed = 0;
    let done = false;
    list.forEach((p, i) => {
      Promise.resolve(p).then(
        (value) => {
          if (!done) {
            done = true;
            resolve(value);
          }
        },
        (error: unknown) => {
          errors[i] = error;
          if (++failed === list.length && !done) reject(new AllFailedError(errors));
        },
      );
    });
  });
}
