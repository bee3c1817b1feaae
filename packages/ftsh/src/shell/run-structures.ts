/**
 * The fault-tolerance statements, each a thin layer over the TypeScript API so that the shell
 * and Skein's own code share one implementation: `try` is `retry`, `forany` is `forAny`,
 * `forall` is `forAll` (each branch on a copy of the shell state). `exit` inside any of them
 * leaves the whole script at once, cancelling whatever else is running.
 */
import type { Expression, Limit, Statement } from "../language/ast.ts";
import { forallBranchesMax, tryDurationMsMax, tryTimesMax } from "../language/limits.ts";
import { ForAllError, ForAnyError, RetryExhaustedError, RetryTimeoutError, SiblingFailedError } from "../errors.ts";
import { forAll } from "../for-all.ts";
import { forAny } from "../for-any.ts";
import { type RetryEvent, retry } from "../retry.ts";
import type { ExecutionContext, Shell } from "./context.ts";
import { evaluateInteger, evaluateList } from "./evaluate.ts";
import { describeError, ExitCancellation, ExitRequest, ScriptFailure } from "./failure.ts";

type TryStatement = Statement & { kind: "try" };
type ForStatement = Statement & { kind: "for" };

export async function runTry(shell: Shell, statement: TryStatement, context: ExecutionContext): Promise<void> {
  const { position } = statement;
  const forMs = statement.forTime ? await durationMs(shell, statement.forTime, context) : undefined;
  const times = statement.times ? await positiveInteger(shell, statement.times, context, "times") : undefined;
  const everyMs = statement.every ? await durationMs(shell, statement.every, context) : undefined;
  let exit: ExitRequest | undefined;
  const attempt = async (signal: AbortSignal): Promise<void> => {
    try {
      await shell.runStatements(statement.body, { ...context, signal });
    } catch (error) {
      if (!(error instanceof ExitRequest)) throw error;
      exit = error;
    }
  };
  const onEvent = (event: RetryEvent): void => {
    const { type, ...fields } = event;
    const elapsedMs = "elapsedMs" in fields ? Math.round(fields.elapsedMs) : undefined;
    const delayMs = "delayMs" in fields ? Math.round(fields.delayMs) : undefined;
    shell.log.record(`try-${type}`, position, { ...fields, elapsedMs, delayMs, forMs, times, everyMs });
  };
  try {
    await retry(attempt, { forMs, times, everyMs, backoff: shell.options.backoff, signal: context.signal, onEvent }, shell.environment);
  } catch (error) {
    if (context.signal.aborted) throw cancelled(statement, context);
    const failure = new ScriptFailure(position, `try failed: ${describeTryError(error)}`);
    await shell.report(failure, context.signal);
    if (!statement.catchBody) throw failure;
    shell.log.record("catch", position);
    await shell.runStatements(statement.catchBody, context);
  }
  if (exit) throw exit;
}

export async function runFor(shell: Shell, statement: ForStatement, context: ExecutionContext): Promise<void> {
  const items = await evaluateList(statement.items, shell.evaluationContext(context));
  if (statement.mode === "forall") return runForAll(shell, statement, items, context);
  if (statement.mode === "forany") return runForAny(shell, statement, items, context);
  for (const item of items) {
    context.state.variables.set(statement.variable, item);
    await shell.runStatements(statement.body, context);
    if (context.frame.returnValue !== undefined) return;
  }
}

async function runForAny(shell: Shell, statement: ForStatement, items: string[], context: ExecutionContext): Promise<void> {
  let exit: ExitRequest | undefined;
  try {
    await forAny(
      items,
      async (item, signal, index) => {
        context.state.variables.set(statement.variable, item);
        shell.log.record("forany-alternative", statement.position, { variable: statement.variable, item, index });
        try {
          await shell.runStatements(statement.body, { ...context, signal });
        } catch (error) {
          if (!(error instanceof ExitRequest)) throw error;
          exit = error;
        }
      },
      { signal: context.signal },
    );
  } catch (error) {
    if (context.signal.aborted) throw cancelled(statement, context);
    const reason = error instanceof ForAnyError && error.errors.length === 0 ? "no alternatives" : describeError(error);
    throw new ScriptFailure(statement.position, `forany ${statement.variable}: ${reason}`);
  }
  if (exit) throw exit;
}

async function runForAll(shell: Shell, statement: ForStatement, items: string[], context: ExecutionContext): Promise<void> {
  const { variable, position } = statement;
  if (items.length > forallBranchesMax) {
    throw new ScriptFailure(position, `forall has ${items.length} branches; the limit is ${forallBranchesMax}`);
  }
  try {
    await forAll(
      items,
      async (item, signal, index) => {
        const state = context.state.clone();
        state.variables.set(variable, item);
        const frame = { args: [...context.frame.args], returnValue: undefined };
        shell.log.record("forall-branch", position, { variable, item, index });
        await shell.runStatements(statement.body, { ...context, state, frame, signal });
      },
      {
        signal: context.signal,
        branchesMax: forallBranchesMax,
        // `exit` in a branch ends the script: its siblings stop quietly, not as if it had failed
        cancelReason: (i, cause) =>
          cause instanceof ExitRequest
            ? new ExitCancellation(`forall branch ${variable}=${items[i]} called exit ${cause.exitCode}`)
            : new SiblingFailedError(`forall branch ${variable}=${items[i]} failed`),
      },
    );
  } catch (error) {
    if (error instanceof ForAllError && error.cause instanceof ExitRequest) throw error.cause;
    if (context.signal.aborted) throw cancelled(statement, context);
    if (!(error instanceof ForAllError)) throw error;
    const stopped = error.cancelled.map((i) => `${variable}=${items[i]}`).join(", ");
    const message = `forall ${variable}: branch ${variable}=${items[error.index]} failed` + (stopped ? `; stopped ${stopped}` : "");
    shell.log.record("forall-failed", position, { failed: items[error.index], cancelled: error.cancelled.map((i) => items[i]) });
    throw new ScriptFailure(position, message);
  }
}

function describeTryError(error: unknown): string {
  if (error instanceof RetryTimeoutError || error instanceof RetryExhaustedError) return error.message;
  return describeError(error);
}

/** The failure of a statement stopped from outside; already explained where the stop came from. */
function cancelled(statement: Statement, context: ExecutionContext): ScriptFailure {
  const failure = new ScriptFailure(statement.position, `cancelled: ${describeError(context.signal.reason)}`);
  failure.reported = true;
  return failure;
}

async function positiveInteger(shell: Shell, expression: Expression, context: ExecutionContext, what: string): Promise<number> {
  const value = await evaluateInteger(expression, shell.evaluationContext(context));
  if (value < 1n || value > BigInt(tryTimesMax)) {
    throw new ScriptFailure(expression.position, `${what} must be between 1 and ${tryTimesMax}, got ${value}`);
  }
  return Number(value);
}

async function durationMs(shell: Shell, limit: Limit, context: ExecutionContext): Promise<number> {
  const amount = await evaluateInteger(limit.amount, shell.evaluationContext(context));
  const ms = amount * BigInt(limit.unitMs);
  if (ms < 1n || ms > BigInt(tryDurationMsMax)) {
    throw new ScriptFailure(limit.amount.position, `durations must be positive and at most 366 days, got ${amount}`);
  }
  return Number(ms);
}
