/**
 * How a statement fails inside the interpreter. `ScriptFailure` is the ftsh notion of failure
 * (a command exited non-zero, an expression could not be computed, `failure` ran): it fails the
 * enclosing group, and a `try` may retry or catch it. `ExitRequest` is `exit`, which no `try`
 * contains. Both are internal: `runScript` turns them into an exit code.
 */
import type { Position } from "../language/ast.ts";

export class ScriptFailure extends Error {
  override name = "ScriptFailure";
  /** True once the failure has been reported (to stderr and the log), so it is said only once. */
  reported = false;

  constructor(
    readonly position: Position,
    message: string,
  ) {
    super(message);
  }
}

export class ExitRequest extends Error {
  override name = "ExitRequest";

  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

/**
 * Why the siblings of a forall branch that called `exit` are cancelled. What they were doing is
 * not a failure worth a message: the script is ending, with the exit code given.
 */
export class ExitCancellation extends Error {
  override name = "ExitCancellation";
}

/** A readable one-line description of any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
