/**
 * Parse a script whole, then run it: the entry point behind `skein ftsh`. A syntax error is
 * printed as `file:line:column: reason` and nothing runs (exit code 2). Otherwise the exit code
 * is 0 if the top-level group succeeded, 1 if it failed, or the code given to `exit`.
 */
import type { RetryEnvironment } from "../environment.ts";
import { parseScript } from "../language/parser.ts";
import { FtshSyntaxError } from "../language/syntax-error.ts";
import type { ExecutionContext, ShellOptions } from "./context.ts";
import { ExitRequest, ScriptFailure } from "./failure.ts";
import type { ShellHost } from "./host.ts";
import { Interpreter } from "./interpreter.ts";
import { type ScriptLog, silentLog } from "./log.ts";
import { ShellState } from "./shell-state.ts";

export const exitCodes = { success: 0, failure: 1, syntaxError: 2 } as const;

export interface RunScriptInit {
  /** The script's name in messages, and `$0`. */
  file: string;
  source: string;
  /** `$1`, `$2`, … */
  args: string[];
  host: ShellHost;
  /** The environment programs start with. */
  processEnvironment: Record<string, string | undefined>;
  /** The starting working directory (absolute). */
  cwd: string;
  /** Time, timers and randomness (`realEnvironment` from @skein/net outside the simulator). */
  environment: RetryEnvironment;
  log?: ScriptLog;
  options?: ShellOptions & { parseOnly?: boolean };
  /**
   * Stops the script (and kills what it runs); the run then fails, or ends with the reason's
   * `exitCode` if it has one (128 + the signal number of a stop signal).
   */
  signal?: AbortSignal;
}

export async function runScript(init: RunScriptInit): Promise<number> {
  const log = init.log ?? silentLog;
  let script: ReturnType<typeof parseScript>;
  try {
    script = parseScript(init.source, init.file);
  } catch (error) {
    if (!(error instanceof FtshSyntaxError)) throw error;
    log.record("syntax-error", { line: error.line, column: error.column }, { message: error.reason });
    await init.host.write({ kind: "inherit", fd: 2 }, `${error.message}\n`, init.signal).catch(() => {});
    await init.host.flush?.(init.signal);
    return exitCodes.syntaxError;
  }
  if (init.options?.parseOnly) return exitCodes.success;
  const signal = init.signal ?? new AbortController().signal;
  const environment = new Map(
    Object.entries(init.processEnvironment).flatMap(([k, v]) => (v === undefined ? [] : [[k, v] as [string, string]])),
  );
  const state = new ShellState(new Map(), environment, init.cwd);
  const interpreter = new Interpreter(script, init.host, init.environment, log, init.options ?? {}, signal);
  const context: ExecutionContext = {
    state,
    frame: { args: [init.file, ...init.args], returnValue: undefined },
    stdio: { input: { kind: "inherit" }, output: { kind: "inherit", fd: 1 }, error: { kind: "inherit", fd: 2 } },
    signal,
    callDepth: 0,
  };
  log.record("script-start", undefined, { args: init.args });
  let exitCode = await interpreter.runStatements(script.statements, context).then(
    () => exitCodes.success,
    (error: unknown) => {
      if (error instanceof ExitRequest) return error.exitCode;
      if (error instanceof ScriptFailure) return exitCodes.failure;
      throw error;
    },
  );
  // what ftsh printed reaches its reader before it ends (unless ftsh was stopped meanwhile)
  await init.host.flush?.(signal);
  // stopped: the log's last record says the exit code ftsh really ends with
  const stopCode = signal.aborted ? (signal.reason as { exitCode?: unknown } | undefined)?.exitCode : undefined;
  if (typeof stopCode === "number") exitCode = stopCode;
  log.record("script-end", undefined, { exitCode });
  return exitCode;
}
