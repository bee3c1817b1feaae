/**
 * @skein/ftsh — failure as a first-class concept, after the Fault Tolerant Shell (Thain & Livny).
 *
 * Two faces of one implementation:
 * - `retry`, `forAny`, `forAll`: bounded retry with jittered exponential backoff, alternatives
 *   tried in turn, and all-or-nothing parallel branches, each cancelling the work in flight
 *   (through an `AbortSignal`) and failing with a named error. Time and randomness come from a
 *   `RetryEnvironment`, so a Skein service passes its `Context` and runs on virtual time, and a
 *   program outside the simulator passes `realEnvironment` from `@skein/net`.
 * - the ftsh language (`parseScript`, `runScript`), whose `try`, `forany` and `forall` are
 *   built on those functions; `skein ftsh script.ftsh` runs a script.
 *
 * @example
 * ```ts
 * import { forAny, retry } from "@skein/ftsh";
 * import { realEnvironment } from "@skein/net";
 *
 * const body = await retry(
 *   (signal) => forAny(["a.example", "b.example"], (host) => fetch(`http://${host}/x`, { signal })),
 *   { forMs: 60_000, backoff: { initialMs: 500 } },
 *   realEnvironment,
 * );
 * ```
 */
export { backoffDefaults, backoffDelayMs, resolveBackoff } from "./backoff.ts";
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
export { retry } from "./retry.ts";
export type { RetryEvent, RetryInit } from "./retry.ts";

export type * from "./language/ast.ts";
export * as limits from "./language/limits.ts";
export { parseScript } from "./language/parser.ts";
export { FtshSyntaxError } from "./language/syntax-error.ts";
export type { ShellOptions } from "./shell/context.ts";
export { CaptureBuffer } from "./shell/host.ts";
export type { FileTest, InputSource, OutputSink, ProcessOutcome, ProcessRequest, ShellHost, Stdio } from "./shell/host.ts";
export { JsonLinesLog, silentLog } from "./shell/log.ts";
export type { ScriptLog } from "./shell/log.ts";
export { processHost } from "./shell/process-host.ts";
export type { ProcessHostInit } from "./shell/process-host.ts";
export { exitCodes, runScript } from "./shell/run-script.ts";
export type { RunScriptInit } from "./shell/run-script.ts";
