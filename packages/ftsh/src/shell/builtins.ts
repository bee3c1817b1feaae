/**
 * The built-in commands of ftsh: `echo`, `cd`, `export`, `exit`, `exec`, `success`, `failure`.
 * `cd` changes the script's own working directory (kept in the shell state, so parallel forall
 * branches each have theirs); `exec` runs a program outside every try's control and then ends
 * the shell with its exit status (Node cannot replace its own process image).
 */
import { isAssignableName } from "../language/lexer.ts";
import type { Position } from "../language/syntax-error.ts";
import type { ExecutionContext, Shell } from "./context.ts";
import { ExitRequest, ScriptFailure } from "./failure.ts";
import { visible } from "./visible.ts";

export type Builtin = (shell: Shell, argv: string[], context: ExecutionContext, position: Position) => Promise<void>;

async function echo(shell: Shell, argv: string[], context: ExecutionContext, position: Position): Promise<void> {
  const newline = argv[1] !== "-n";
  const words = argv.slice(newline ? 1 : 2);
  await shell.write(context.stdio.output, words.join(" ") + (newline ? "\n" : ""), position, context.signal);
}

async function cd(shell: Shell, argv: string[], context: ExecutionContext, position: Position): Promise<void> {
  if (argv.length > 2) throw new ScriptFailure(position, "cd: too many arguments");
  const target = shell.evaluationContext(context).resolvePath(argv[1] ?? shell.host.homeDirectory());
  let isDirectory = false;
  try {
    isDirectory = await shell.host.testFile("isdir", target);
  } catch (error) {
    throw new ScriptFailure(position, `cd: cannot examine ${visible(target).text}: ${(error as Error).message}`);
  }
  if (!isDirectory) throw new ScriptFailure(position, `cd: ${visible(target).text} is not a directory`);
  context.state.cwd = target;
}

async function exportVariable(_shell: Shell, argv: string[], context: ExecutionContext, position: Position): Promise<void> {
  if (argv.length !== 2) throw new ScriptFailure(position, "export: exactly one variable name needed");
  const name = argv[1]!;
  const assignment = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(name);
  if (assignment) {
    const variable = assignment[1];
    throw new ScriptFailure(position, `export takes a name, not an assignment: write '${name}', then 'export ${variable}'`);
  }
  if (!isAssignableName(name)) throw new ScriptFailure(position, `export: '${name}' is not a variable name`);
  context.state.environment.set(name, context.state.value(name));
}

async function exit(_shell: Shell, argv: string[], _context: ExecutionContext, position: Position): Promise<void> {
  if (argv.length > 2) throw new ScriptFailure(position, "exit: too many arguments");
  const text = argv[1];
  const code = text === undefined ? 0 : /^\d{1,3}$/.test(text) ? Number(text) : Number.NaN;
  if (!(code >= 0 && code <= 255)) throw new ScriptFailure(position, `exit: '${text}' is not an exit code (an integer from 0 to 255)`);
  throw new ExitRequest(code);
}

async function failure(_shell: Shell, _argv: string[], _context: ExecutionContext, position: Position): Promise<void> {
  throw new ScriptFailure(position, "failure");
}

export const builtins: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  ["echo", echo],
  ["cd", cd],
  ["export", exportVariable],
  ["exit", exit],
  ["success", async () => {}],
  ["failure", failure],
]);
