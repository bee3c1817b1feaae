/**
 * A simple command: expand the words, apply the redirections, then run a script function, a
 * builtin or a program — in that order of lookup, as in ftsh. A program that exits non-zero,
 * dies of a signal, cannot start or is cancelled is a failure of the command.
 */
import type { Position, SimpleCommand } from "../language/ast.ts";
import { argumentsMax } from "../language/limits.ts";
import { builtins } from "./builtins.ts";
import type { ExecutionContext, Shell } from "./context.ts";
import { expandToFields } from "./expand.ts";
import { describeError, ExitRequest, ScriptFailure } from "./failure.ts";
import type { ProcessOutcome, Stdio } from "./host.ts";
import { applyRedirects } from "./redirect.ts";
import { visible } from "./visible.ts";

export async function runCommand(shell: Shell, command: SimpleCommand, context: ExecutionContext): Promise<void> {
  const scope = shell.evaluationContext(context);
  const argv = command.words.flatMap((word) => expandToFields(word, scope));
  const position = command.position;
  if (argv.length === 0) throw new ScriptFailure(position, "the command expanded to nothing");
  if (argv.length > argumentsMax) {
    throw new ScriptFailure(position, `${argv.length} arguments exceed the limit of ${argumentsMax}`);
  }
  const { stdio, finish } = await applyRedirects(shell, command.redirects, context);
  const startMs = shell.environment.now();
  let outcome: "success" | "failure" | "exit" = "failure";
  let details: Record<string, unknown> = {};
  try {
    const name = argv[0]!;
    if (shell.script.functions.has(name)) {
      await shell.callFunction(name, argv, { ...context, stdio }, position);
    } else if (name === "exec") {
      await runExec(shell, argv.slice(1), { ...context, stdio }, command);
    } else if (builtins.has(name)) {
      await builtins.get(name)!(shell, argv, { ...context, stdio }, position);
    } else {
      const result = await runProgram(shell, argv, context, stdio, context.signal, position);
      // `pid` in a record is the shell's own: the program's is `commandPid`
      const { pid: commandPid, ...rest } = result as ProcessOutcome & { pid?: number };
      details = { ...rest, commandPid };
      const problem = describeOutcome(argv[0]!, result, context.signal);
      if (problem !== undefined) throw new ScriptFailure(position, problem);
    }
    outcome = "success";
  } catch (error) {
    if (error instanceof ExitRequest) outcome = "exit";
    else details.error = describeError(error);
    throw error;
  } finally {
    await finish();
    const durationMs = Math.round(shell.environment.now() - startMs);
    shell.log.record("command", position, { argv, outcome, durationMs, ...details });
  }
}

/** Runs a program once one of the global running slots is free (`--jobs`). */
async function runProgram(
  shell: Shell,
  argv: string[],
  context: ExecutionContext,
  stdio: Stdio,
  signal: AbortSignal,
  position: Position,
): Promise<ProcessOutcome> {
  const environment = Object.fromEntries(context.state.environment);
  const nul = nulProblem(argv, environment);
  if (nul) throw new ScriptFailure(position, `${visible(argv[0]!).text} could not be started: ${nul}`);
  let release: () => void;
  try {
    release = await shell.commandSlots.acquire(signal);
  } catch (error) {
    if (signal.aborted) return { kind: "cancelled", pid: undefined, killSignal: undefined };
    throw new ScriptFailure(position, `${argv[0]} could not be started: ${describeError(error)}`);
  }
  try {
    return await shell.host.run({ argv, cwd: context.state.cwd, environment, stdio }, signal);
  } finally {
    release();
  }
}

/** A NUL byte where no program can receive one (the kernel ends strings there), or undefined. */
function nulProblem(argv: string[], environment: Record<string, string>): string | undefined {
  const index = argv.findIndex((arg) => arg.includes("\0"));
  if (index === 0) return "its name contains a NUL byte";
  if (index > 0) return `argument ${index} contains a NUL byte (binary data captured into a variable?), which no program can receive`;
  const name = Object.keys(environment).find((key) => environment[key]!.includes("\0"));
  if (name !== undefined) return `the exported variable ${name} contains a NUL byte, which no program can receive`;
  return undefined;
}

/** Why a program's outcome is a failure, or undefined if it succeeded. */
function describeOutcome(name: string, outcome: ProcessOutcome, signal: AbortSignal): string | undefined {
  switch (outcome.kind) {
    case "exited":
      return outcome.exitCode === 0 ? undefined : `${name} exited with status ${outcome.exitCode}`;
    case "signalled":
      return `${name} was killed by ${outcome.signal}`;
    case "not-started": {
      const shown = visible(name);
      return `${shown.text} could not be started: ${outcome.reason}${shown.note}`;
    }
    case "output-limit":
      return `${name} wrote more than ${outcome.bytesMax} bytes into a variable and was stopped`;
    case "cancelled": {
      const how = outcome.killSignal ? ` (process group killed with ${outcome.killSignal})` : "";
      return `${name} was cancelled${how}: ${describeError(signal.reason)}`;
    }
  }
}

/** `exec program args`: runs outside every try's control, then the shell exits with its status. */
async function runExec(shell: Shell, argv: string[], context: ExecutionContext, command: SimpleCommand): Promise<never> {
  if (argv.length === 0) throw new ScriptFailure(command.position, "exec: no program given");
  const result = await runProgram(shell, argv, context, context.stdio, shell.rootSignal, command.position);
  if (result.kind === "exited") throw new ExitRequest(result.exitCode);
  throw new ScriptFailure(command.position, describeOutcome(argv[0]!, result, shell.rootSignal) ?? "exec failed");
}
