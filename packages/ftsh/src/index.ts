/**
 * @skein/ftsh — failure as a first-class concept, after the Fault Tolerant Shell (Thain & Livny).
 *
 * Two faces of one implementation:
 * - `retry`, `forAny`, `forAll`: bounded retry with jittered exponential backoff, alternatives
 *   tried in turn, and all-or-nothing parallel branches, each cancelling the work in flight
 *   (through an `AbortSignal`) and failing with a named error. Time and randomness come from a
 *   `RetryEnvironment`, so a Skein service passes its `Context` and runs on virtual time.
 * - the ftsh language (`parseScript`, `runScript`), whose `try`, `forany` and `forall` are
 *   built on those functions; `skein ftsh script.ftsh` runs a script.
 *
 * @example
 * ```ts
 * import { forAny, retry } from "@skein/ftsh";
 *
 * const body = await retry(
 *   (signal) => forAny(["a.example", "b.example"], (host) => fetch(`http://${host}/x`, { signal })),
 *   { forMs: 60_000, backoff: { initialMs: 500 } },
 * );
 * ```
 */
export { backoffDefaults, backoffDelayMs } from "./backoff.ts";
export type { BackoffInit } from "./backoff.ts";
export type { RetryEnvironment } from "./environment.ts";
export {
  DeadlineError,
  ForAllError,
  ForAnyError,
  RetryExhaustedError,
  RetryTimeoutError,
  SiblingFailedError,
} from "./errors.ts";
export { forAll, forAllBranchesMaxDefault } from "./for-all.ts";
export type { ForAllInit } from "./for-all.ts";
export { forAny } from "./for-any.ts";
export type { ForAnyInit, ForAnyResult } from "./for-any.ts";
export { realEnvironment } from "./real-environment.ts";
export { retry } from "./retry.ts";
export type { RetryEvent, RetryInit } from "./retry.ts";
