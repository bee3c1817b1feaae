/**
 * The ftsh interpreter. A group of statements runs in order and fails as soon as one fails —
 * the "brittle" property: nothing runs blindly after a failure. Control logic only: programs,
 * files and the terminal are reached through a `ShellHost`, time and randomness through a
 * `RetryEnvironment`, so the whole interpreter runs under a fake clock and a fake host in tests.
 */
import type { RetryEnvironment } from "../environment.ts";
import type { Position, Script, Statement } from "../language/ast.ts";
import { callDepthMax, runningCommandsMaxDefault } from "../language/limits.ts";
import { CommandSlots } from "./command-slots.ts";
import type { ExecutionContext, Shell, ShellOptions } from "./context.ts";
import { type EvaluationContext, evaluate, evaluateBoolean, evaluateInteger } from "./evaluate.ts";
import { describeError, ExitCancellation, ExitRequest, ScriptFailure } from "./failure.ts";
import type { OutputSink, ShellHost } from "./host.ts";
import type { ScriptLog } from "./log.ts";
import { runCommand } from "./run-command.ts";
import { runFor, runTry } from "./run-structures.ts";

/** Statements between two yields to the event loop, so timers (deadlines) fire even in busy loops. */
const statementsPerYield = 256;

export class Interpreter implements Shell {
  private statementsSinceYield = 0;
  /** Write failures already printed ("standard output: broken pipe"): said once, not by every forall branch. */
  private readonly writeFailuresSaid = new Set<string>();
  readonly commandSlots: CommandSlots;

  constructor(
    readonly script: Script,
    readonly host: ShellHost,
    readonly environment: RetryEnvironment,
    readonly log: ScriptLog,
    readonly options: ShellOptions,
    readonly rootSignal: AbortSignal,
  ) {
    this.commandSlots = new CommandSlots(options.runningCommandsMax ?? runningCommandsMaxDefault);
  }

  async runStatements(statements: Statement[], context: ExecutionContext): Promise<void> {
    for (const statement of statements) {
      if (context.frame.returnValue !== undefined) return;
      await this.runStatement(statement, context);
    }
  }

  /** Yields to the event loop now and then, and stops work that was cancelled. */
  private async checkpoint(statement: Statement, context: ExecutionContext): Promise<void> {
    if (++this.statementsSinceYield >= statementsPerYield) {
      this.statementsSinceYield = 0;
      await this.environment.sleep(0);
    }
    if (context.signal.aborted) {
      const failure = new ScriptFailure(statement.position, "cancelled");
      failure.reported = true; // the try or forall that cancelled it explains why
      throw failure;
    }
  }

  private async runStatement(statement: Statement, context: ExecutionContext): Promise<void> {
    await this.checkpoint(statement, context);
    try {
      await this.dispatch(statement, context);
    } catch (error) {
      if (error instanceof ScriptFailure && !error.reported) await this.report(error, context.signal);
      throw error;
    }
  }

  private async dispatch(statement: Statement, context: ExecutionContext): Promise<void> {
    const evaluation = this.evaluationContext(context);
    switch (statement.kind) {
      case "command":
        return runCommand(this, statement, context);
      case "function":
        return;
      case "assign":
        if (statement.value === undefined) context.state.variables.delete(statement.name);
        else context.state.variables.set(statement.name, await evaluate(statement.value, evaluation));
        return;
      case "try":
        return runTry(this, statement, context);
      case "for":
        return runFor(this, statement, context);
      case "while":
        while (await evaluateBoolean(statement.condition, evaluation)) {
          await this.runStatements(statement.body, context);
          if (context.frame.returnValue !== undefined) return;
          await this.checkpoint(statement, context);
        }
        return;
      case "if": {
        const branch = (await evaluateBoolean(statement.condition, evaluation)) ? statement.thenBody : statement.elseBody;
        return this.runStatements(branch ?? [], context);
      }
      case "return":
        context.frame.returnValue = await evaluate(statement.value, evaluation);
        return;
      case "shift":
        return this.shift(statement, context);
    }
  }

  private async shift(statement: Statement & { kind: "shift" }, context: ExecutionContext): Promise<void> {
    const count = statement.count ? await evaluateInteger(statement.count, this.evaluationContext(context)) : 1n;
    const available = context.frame.args.length - 1;
    if (count < 0n || count > BigInt(available)) {
      throw new ScriptFailure(statement.position, `cannot shift ${count} arguments; there are ${available}`);
    }
    context.frame.args.splice(1, Number(count));
  }

  evaluationContext(context: ExecutionContext): EvaluationContext {
    return {
      state: context.state,
      frame: context.frame,
      pid: this.host.pid,
      host: this.host,
      resolvePath: (path) => resolvePath(context.state.cwd, path),
      callFunction: async (name, args, expression) => {
        const value = await this.callFunction(name, [name, ...args], context, expression.position);
        if (value === undefined) throw new ScriptFailure(expression.position, `function ${name} did not return a value`);
        return value;
      },
    };
  }

  async callFunction(name: string, args: string[], context: ExecutionContext, position: Position): Promise<string | undefined> {
    const definition = this.script.functions.get(name);
    if (!definition) throw new ScriptFailure(position, `function ${name} is not defined`);
    if (context.callDepth >= callDepthMax) {
      throw new ScriptFailure(position, `function calls nested deeper than ${callDepthMax}`);
    }
    const frame = { args, returnValue: undefined };
    this.log.record("function", position, { name, args: args.slice(1) });
    await this.runStatements(definition.body, { ...context, frame, callDepth: context.callDepth + 1 });
    return frame.returnValue;
  }

  async write(sink: OutputSink, text: string, position: Position, signal?: AbortSignal): Promise<void> {
    if (sink.kind !== "capture") {
      return this.host.write(sink, text, signal).catch((error: unknown) => {
        const target = sink.kind === "file" ? "the file it is redirected to" : sink.fd === 1 ? "standard output" : "standard error";
        if (signal?.aborted) throw new ScriptFailure(position, `writing to ${target} was cancelled: ${describeError(signal.reason)}`);
        const failure = new ScriptFailure(position, `cannot write to ${target}: ${describeError(error)}`);
        if (this.writeFailuresSaid.has(failure.message)) {
          failure.reported = true;
          this.log.record("failure", position, { message: failure.message });
        }
        this.writeFailuresSaid.add(failure.message);
        throw failure;
      });
    }
    if (!sink.buffer.append(text)) {
      throw new ScriptFailure(position, `output exceeds the variable limit of ${sink.buffer.bytesMax} bytes`);
    }
  }

  /** Prints and logs a failure once; the print waits for a stalled stderr only until `signal` aborts. */
  async report(failure: ScriptFailure, signal?: AbortSignal): Promise<void> {
    if (failure.reported) return;
    failure.reported = true;
    this.log.record("failure", failure.position, { message: failure.message });
    if (this.options.quiet || signal?.reason instanceof ExitCancellation) return;
    const { line, column } = failure.position;
    const text = `${this.script.file}:${line}:${column}: ${failure.message}\n`;
    // a broken stderr has nowhere to report itself; the failure still fails the script
    // the message stays queued even when its statement was cancelled; only the wait is cut short
    const written = this.host.write({ kind: "inherit", fd: 2 }, text).catch(() => {});
    await untilAborted(written, signal);
  }
}

/** Waits for `work`, or only until `signal` aborts. */
function untilAborted(work: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return work;
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const onAbort = (): void => resolve();
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    });
  });
}

/** Joins a path to the working directory ('/'-separated; POSIX only, like ftsh). */
export function resolvePath(cwd: string, path: string): string {
  const joined = path.startsWith("/") ? path : `${cwd}/${path}`;
  const parts: string[] = [];
  for (const part of joined.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}`;
}

export { ExitRequest };
