/**
 * `forAll`: run one branch per item, all at once, and succeed only if every branch succeeds —
 * ftsh's `forall`. The first failure cancels the branches still running (their signal aborts
 * with a `SiblingFailedError`) and `forAll` waits for them to settle before it rejects, so no
 * branch's work outlives the call.
 */
import { setMaxListeners } from "node:events";
import { ForAllError, SiblingFailedError } from "./errors.ts";

/** The default limit on the number of parallel branches. */
export const forAllBranchesMaxDefault = 1024;

/** Options of `forAll`. */
export interface ForAllInit {
  /** Cancels every branch; `forAll` then rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** At most this many items (branches run in parallel); more is a `RangeError`. Default 1024. */
  branchesMax?: number;
  /** Names branch `index` in the reason the others are cancelled with. Default: "branch 3". */
  describeBranch?: (index: number) => string;
  /**
   * The reason the other branches are cancelled with when branch `index` fails with `cause`.
   * Default: a `SiblingFailedError` naming the branch.
   */
  cancelReason?: (index: number, cause: unknown) => unknown;
}

/** Listeners a branch may hold on the shared signal at once, for Node's leak warning. */
const listenersPerBranchMax = 4;

type BranchState = "running" | "succeeded" | "failed";

/**
 * Calls `fn` on every item concurrently and resolves to the values in item order. Rejects with
 * `ForAllError` (the first failure as `cause`, which branches were cancelled) or, if cancelled
 * from outside, with `signal.reason`.
 */
export async function forAll<I, T>(
  items: readonly I[],
  fn: (item: I, signal: AbortSignal, index: number) => Promise<T>,
  init: ForAllInit = {},
): Promise<T[]> {
  const branchesMax = init.branchesMax ?? forAllBranchesMaxDefault;
  if (items.length > branchesMax) {
    throw new RangeError(`forAll: ${items.length} branches exceed the limit of ${branchesMax}`);
  }
  init.signal?.throwIfAborted();
  const controller = new AbortController();
  // every branch waits on this one signal (a program, a sleep, a nested try), one or two
  // listeners each: Node's leak warning at 11 listeners is wrong for a wide forall
  setMaxListeners(listenersPerBranchMax * items.length + 10, controller.signal);
  const onCallerAbort = (): void => controller.abort(init.signal?.reason);
  init.signal?.addEventListener("abort", onCallerAbort, { once: true });
  const states: BranchState[] = items.map(() => "running");
  const values: T[] = new Array(items.length);
  let failure: ForAllError | undefined;
  const indicesIn = (state: BranchState): number[] =>
    states.flatMap((s, index) => (s === state ? [index] : []));
  const branches = items.map((item, index) =>
    Promise.resolve()
      .then(() => fn(item, controller.signal, index))
      .then(
        (value) => {
          states[index] = "succeeded";
          values[index] = value;
        },
        (error: unknown) => {
          states[index] = "failed";
          if (failure || controller.signal.aborted) return;
          const cancelled = indicesIn("running");
          failure = new ForAllError({ index, cause: error, cancelled, succeeded: indicesIn("succeeded") });
          const branch = init.describeBranch?.(index) ?? `branch ${index}`;
          controller.abort(init.cancelReason ? init.cancelReason(index, error) : new SiblingFailedError(`${branch} failed`));
        },
      ),
  );
  try {
    await Promise.all(branches);
  } finally {
    init.signal?.removeEventListener("abort", onCallerAbort);
  }
  init.signal?.throwIfAborted();
  if (failure) throw failure;
  return values;
}
