/**
 * Redirections as ftsh spells them. File redirection is the Bourne shell's (`>`, `>>`, `<`,
 * `2>&1`, `>&` / `&>` for both output streams); variable redirection puts a dash in front
 * (`->`, `->>`, `-<`, `->&`, `->>&`, with an fd number as in `2->`). `-&>`, `-&>>` and `<-`
 * are accepted as spellings of `->&`, `->>&` and `-<`.
 */
import type { Redirect, Word } from "./ast.ts";
import { bareText, isAssignableName, type Token } from "./lexer.ts";
import type { FtshSyntaxError, Position } from "./syntax-error.ts";

type RedirectToken = Token & { kind: "redirect" };
type ErrorFactory = (position: Position, reason: string) => FtshSyntaxError;

const unsupported: Partial<Record<string, string>> = {
  "|": "pipes ('|') are not supported; capture output with '-> name' and feed it with '-< name'",
  "&": "background jobs ('&') are not supported; use forall to run work in parallel",
  "<<": "here-documents ('<<') are not supported",
};

function literalWord(text: string, position: Position): Word {
  return { parts: [{ kind: "literal", text, quoted: false }], position };
}

/** Rejects the Bourne shell operators ftsh does not have, with what to use instead. */
export function checkSupported(token: RedirectToken, error: ErrorFactory): void {
  const problem = unsupported[token.operator];
  if (problem) throw error(token.position, problem);
}

/** The redirections one operator and its target word stand for (`&>` stands for two). */
export function redirectsOf(token: RedirectToken, target: Word, error: ErrorFactory): Redirect[] {
  const { operator, fd, position } = token;
  checkSupported(token, error);
  if (fd !== undefined && fd > 2) throw error(position, "only file descriptors 0, 1 and 2 can be redirected");
  const stderrToStdout: Redirect = { kind: "duplicate", fd: 2, target: literalWord("1", position), position };
  const input = operator === "<" || operator === "-<" || operator === "<-";
  const streamFd = fd ?? (input ? 0 : 1);
  if (input && streamFd !== 0) throw error(position, "only file descriptor 0 can be redirected for input");
  if (!input && streamFd === 0) throw error(position, "file descriptor 0 cannot be redirected for output");
  const outputFd = streamFd as 0 | 1 | 2;
  const variable = operator.startsWith("-") || operator === "<-";
  if (variable) checkVariableTarget(target, error);
  switch (operator) {
    case ">":
    case ">>":
    case "<":
      return [{ kind: "file", fd: outputFd, mode: modeOf(operator), target, position }];
    case "->":
    case "->>":
    case "-<":
    case "<-":
      return [{ kind: "variable", fd: outputFd, mode: modeOf(operator), target, position }];
    case ">&":
    case ">>&": {
      const text = bareText(target);
      if (fd !== undefined || text === "1" || text === "2") return [duplicate(outputFd, target, position, error)];
      return [{ kind: "file", fd: 1, mode: operator === ">&" ? "output" : "append", target, position }, stderrToStdout];
    }
    case "&>":
    case "&>>":
      return [{ kind: "file", fd: 1, mode: operator === "&>" ? "output" : "append", target, position }, stderrToStdout];
    case "->&":
    case "-&>":
    case "->>&":
    case "-&>>": {
      const mode = operator === "->&" || operator === "-&>" ? "output" : "append";
      return [{ kind: "variable", fd: 1, mode, target, position }, stderrToStdout];
    }
    default:
      throw error(position, `unsupported redirection '${operator}'`);
  }
}

function modeOf(operator: string): "input" | "output" | "append" {
  if (operator.includes("<")) return "input";
  return operator.includes(">>") ? "append" : "output";
}

function duplicate(fd: 0 | 1 | 2, target: Word, position: Position, error: ErrorFactory): Redirect {
  if (fd === 0) throw error(position, "file descriptor 0 cannot be redirected for output");
  const text = bareText(target);
  if (text !== undefined && text !== "1" && text !== "2") {
    throw error(target.position, `'${text}' is not an output file descriptor (1 or 2)`);
  }
  return { kind: "duplicate", fd, target, position };
}

function checkVariableTarget(target: Word, error: ErrorFactory): void {
  const text = bareText(target);
  if (text !== undefined && !isAssignableName(text)) throw error(target.position, `'${text}' is not a variable name`);
}
