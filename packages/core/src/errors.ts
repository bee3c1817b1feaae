import type { Address } from "./address.ts";
import { formatAddress } from "./address.ts";

/** Base of every error Skein reports to callers. `code` is stable and machine-readable. */
export class SkeinError extends Error {
  readonly code: string = "SKEIN";
}

/** A `call` got no reply within its timeout. The request may or may not have been handled. */
export class TimeoutError extends SkeinError {
  override readonly name = "TimeoutError";
  override readonly code = "TIMEOUT";
  constructor(
    readonly target: Address,
    readonly type: string,
    readonly timeoutMs: number,
  ) {
    super(`call ${type} to ${formatAddress(target)} timed out after ${timeoutMs} ms`);
  }
}

/**
 * The runtime knows the target cannot be reached: its node is down, a partition separates the
 * two, or the link gave up connecting. The request was not handled by this attempt.
 */
export class UnreachableError extends SkeinError {
  override readonly name = "UnreachableError";
  override readonly code = "UNREACHABLE";
  constructor(
    readonly target: Address,
    readonly type: string,
    readonly reason: string,
  ) {
    super(`call ${type} to ${formatAddress(target)} failed: ${reason}`);
  }
}

/** The remote handler threw (or the service or message type does not exist there). */
export class RemoteError extends SkeinError {
  override readonly name = "RemoteError";
  override readonly code = "REMOTE";
  constructor(
    readonly target: Address,
    readonly type: string,
    /** The `name` of the error the remote handler threw, e.g. `"Error"` or `"NoSuchService"`. */
    readonly remoteName: string,
    readonly remoteMessage: string,
  ) {
    super(`call ${type} to ${formatAddress(target)}: remote ${remoteName}: ${remoteMessage}`);
  }
}

/** A message was refused before it left: malformed, too large, or a full outbound queue. */
export class MessageError extends SkeinError {
  override readonly name = "MessageError";
  override readonly code = "MESSAGE";
}

/** A quorum could not be reached: too many failures, or its timeout passed first. */
export class QuorumError extends SkeinError {
  override readonly name = "QuorumError";
  override readonly code = "QUORUM";
  constructor(
    readonly needed: number,
    readonly succeeded: number,
    readonly errors: readonly unknown[],
    reason: string,
  ) {
    super(`quorum of ${needed} not reached (${succeeded} succeeded, ${errors.length} failed): ${reason}`);
  }
}

/** Every alternative of `first` failed. */
export class AllFailedError extends SkeinError {
  override readonly name = "AllFailedError";
  override readonly code = "ALL_FAILED";
  constructor(readonly errors: readonly unknown[]) {
    super(`all ${errors.length} alternatives failed`);
  }
}

/** Work was abandoned because its signal was aborted (deadline, sibling failure, shutdown). */
export class CancelledError extends SkeinError {
  override readonly name = "CancelledError";
  override readonly code = "CANCELLED";
}

/**
 * A node cannot be checkpointed or resumed from a checkpoint: a service does not implement
 * `checkpoint`/`restore`, or the checkpoint was taken of other services than the node has.
 */
export class CheckpointError extends SkeinError {
  override readonly name = "CheckpointError";
  override readonly code = "CHECKPOINT";
}

/** A broken invariant inside Skein or a service: a bug, never a condition to handle. */
export class AssertionFailure extends Error {
  override readonly name = "AssertionFailure";
}

/** Assertions stay on in production: a broken invariant crashes loudly. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionFailure(message);
}
