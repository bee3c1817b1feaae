/** The context a statement runs in, and what statement runners need from the interpreter. */
import type { BackoffInit } from "../backoff.ts";
import type { RetryEnvironment } from "../environment.ts";
import type { Expression, Position, Script, Statement } from "../language/ast.ts";
import type { CommandSlots } from "./command-slots.ts";
import type { EvaluationContext } from "./evaluate.ts";
import type { ScriptFailure } from "./failure.ts";
import type { OutputSink, ShellHost, Stdio } from "./host.ts";
import type { ScriptLog } from "./log.ts";
import type { Frame, ShellState } from "./shell-state.ts";

export interface ExecutionContext {
  state: ShellState;
  frame: Frame;
  stdio: Stdio;
  /** Aborts when an enclosing try runs out of time, a forall sibling fails, or ftsh is stopped. */
  signal: AbortSignal;
  callDepth: number;
}

export interface ShellOptions {
  /** Backoff of `try` statements without `every`. Default: the manual's 1 s doubling to 1 hour. */
  backoff?: BackoffInit;
  /** Do not print failures on stderr (they are still logged). */
  quiet?: boolean;
  /** Programs running at once, over all foralls; more wait for a slot. Default `runningCommandsMaxDefault`. */
  runningCommandsMax?: number;
}

/** The interpreter as statement runners see it. */
export interface Shell {
  readonly script: Script;
  readonly host: ShellHost;
  readonly environment: RetryEnvironment;
  readonly log: ScriptLog;
  readonly options: ShellOptions;
  /** Aborts only when ftsh itself is stopped (SIGINT, SIGTERM…); `exec` runs under it alone. */
  readonly rootSignal: AbortSignal;
  /** The global bound on programs running at once. */
  readonly commandSlots: CommandSlots;
  runStatements(statements: Statement[], context: ExecutionContext): Promise<void>;
  evaluationContext(context: ExecutionContext): EvaluationContext;
  callFunction(name: string, args: string[], context: ExecutionContext, position: Position): Promise<string | undefined>;
  /** Writes to a sink; fails the statement if a variable would grow past its limit, or when `signal` aborts first. */
  write(sink: OutputSink, text: string, position: Position, signal?: AbortSignal): Promise<void>;
  /** Prints and logs a failure once (waiting for a stalled stderr only until `signal` aborts). */
  report(failure: ScriptFailure, signal?: AbortSignal): Promise<void>;
}

export type { Expression };
