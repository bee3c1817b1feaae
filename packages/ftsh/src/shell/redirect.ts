/**
 * Applying a command's redirections, left to right as written: `2>&1` copies wherever stdout
 * points at that moment. Files are opened once per command and closed after it; a variable
 * target collects the output and is stored when the command ends, whether it succeeded or not
 * (as ftsh writes into the variable while the command runs).
 */
import type { Position, Redirect } from "../language/ast.ts";
import { isAssignableName } from "../language/lexer.ts";
import type { ExecutionContext, Shell } from "./context.ts";
import { expandToString } from "./expand.ts";
import { describeError, ScriptFailure } from "./failure.ts";
import { CaptureBuffer, type OutputSink, type Stdio } from "./host.ts";
import { visible } from "./visible.ts";

export interface AppliedRedirects {
  stdio: Stdio;
  /** Stores captured output into variables and closes opened files. */
  finish(): Promise<void>;
}

export async function applyRedirects(
  shell: Shell,
  redirects: Redirect[],
  context: ExecutionContext,
): Promise<AppliedRedirects> {
  const stdio: Stdio = { ...context.stdio };
  const handles: number[] = [];
  const captures: Array<{ name: string; buffer: CaptureBuffer }> = [];
  const finish = async (): Promise<void> => {
    for (const { name, buffer } of captures) context.state.variables.set(name, buffer.text());
    for (const handle of handles) await shell.host.closeFile(handle);
  };
  const scope = shell.evaluationContext(context);
  try {
    for (const redirect of redirects) {
      const target = expandToString(redirect.target, scope);
      if (redirect.kind === "duplicate") {
        if (target !== "1" && target !== "2") {
          throw new ScriptFailure(redirect.position, `'${target}' is not an output file descriptor (1 or 2)`);
        }
        setSink(stdio, redirect.fd, target === "1" ? stdio.output : stdio.error);
      } else if (redirect.kind === "file") {
        if (target === "") throw new ScriptFailure(redirect.position, "redirection to an empty file name");
        const path = scope.resolvePath(target);
        const handle = await shell.host.openFile(path, redirect.mode, context.signal).catch((error: unknown) => {
          if (context.signal.aborted) throw cancelledOpen(redirect.position, path, context.signal);
          throw new ScriptFailure(redirect.position, `cannot open ${visible(path).text}: ${describeError(error)}`);
        });
        handles.push(handle);
        if (redirect.mode === "input") stdio.input = { kind: "file", handle };
        else setSink(stdio, redirect.fd, { kind: "file", handle });
      } else {
        if (!isAssignableName(target)) throw new ScriptFailure(redirect.position, `'${target}' is not a variable name`);
        if (redirect.mode === "input") {
          const text = context.state.variables.get(target) ?? context.state.environment.get(target);
          if (text === undefined) throw new ScriptFailure(redirect.position, `variable '${target}' is not set`);
          stdio.input = { kind: "text", text };
        } else {
          // appending continues the value $name would give: the shell variable, else the environment's
          const current = context.state.variables.get(target) ?? context.state.environment.get(target) ?? "";
          const initial = redirect.mode === "append" ? current : "";
          const buffer = new CaptureBuffer(initial);
          captures.push({ name: target, buffer });
          setSink(stdio, redirect.fd, { kind: "capture", buffer });
        }
      }
    }
  } catch (error) {
    await finish();
    throw error;
  }
  return { stdio, finish };
}

/** An open cut short by a deadline, a failed sibling or a stop signal (a FIFO nobody opened). */
function cancelledOpen(position: Position, path: string, signal: AbortSignal): ScriptFailure {
  return new ScriptFailure(position, `opening ${path} was cancelled: ${describeError(signal.reason)}`);
}

function setSink(stdio: Stdio, fd: 0 | 1 | 2, sink: OutputSink): void {
  if (fd === 1) stdio.output = sink;
  else if (fd === 2) stdio.error = sink;
}
