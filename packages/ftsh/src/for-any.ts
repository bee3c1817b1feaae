/**
 * `forAny`: try alternatives one after another, in the order given, until one succeeds — ftsh's
 * `forany`. In order rather than at random (the original picks a random start) so that a run is
 * reproducible; shuffle the items first if load spreading matters more than reproducibility.
 */
import { ForAnyError } from "./errors.ts";

/** Options of `forAny`. */
export interface ForAnyInit {
  /** Cancels the alternative in flight; `forAny` then rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** The alternative that succeeded. */
export interface ForAnyResult<I, T> {
  item: I;
  index: number;
  value: T;
}

/**
 * Calls `fn` on each item in turn until one resolves, and returns that item with its value.
 * Rejects with `ForAnyError` (holding every alternative's error, in order) if all fail or there
 * are no items, or with `signal.reason` if cancelled.
 */
export async function forAny<I, T>(
  items: readonly I[],
  fn: (item: I, signal: AbortSignal, index: number) => Promise<T>,
  init: ForAnyInit = {},
): Promise<ForAnyResult<I, T>> {
  const signal = init.signal ?? new AbortController().signal;
  const errors: unknown[] = [];
  for (const [index, item] of items.entries()) {
    signal.throwIfAborted();
    try {
      return { item, index, value: await fn(item, signal, index) };
    } catch (error) {
      signal.throwIfAborted();
      errors.push(error);
    }
  }
  throw new ForAnyError(errors);
}
