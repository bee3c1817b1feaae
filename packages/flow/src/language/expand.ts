/**
 * Variable expansion: `$X`, `$(X)` and `${X}` take the variable's value (a workflow variable,
 * else the environment, else empty), `$$` and `\$` give a literal dollar for the shell.
 * Expansion is linear in the text: values are expanded when assigned, never re-scanned.
 */
import type { LogicalLine } from "./source-text.ts";
import { WorkflowError } from "./errors.ts";

export type Lookup = (name: string) => string | undefined;

const nameCharacter = /[A-Za-z0-9_]/;

/** Expands `text` (which starts at `offset` of `line`, for error positions). */
export function expand(text: string, lookup: Lookup, line: LogicalLine, offset: number): string {
  if (!text.includes("$")) return text;
  let out = "";
  let index = 0;
  while (index < text.length) {
    const dollar = text.indexOf("$", index);
    if (dollar < 0) {
      out += text.slice(index);
      break;
    }
    if (dollar > 0 && text[dollar - 1] === "\\") {
      out += `${text.slice(index, dollar - 1)}$`;
      index = dollar + 1;
      continue;
    }
    out += text.slice(index, dollar);
    const next = text[dollar + 1];
    if (next === "$") {
      out += "$";
      index = dollar + 2;
    } else if (next === "(" || next === "{") {
      const close = next === "(" ? ")" : "}";
      const end = text.indexOf(close, dollar + 2);
      if (end < 0) throw new WorkflowError(line.locate(offset + dollar), `unterminated variable reference '$${next}'`);
      const name = text.slice(dollar + 2, end).trim();
      out += lookup(name) ?? "";
      index = end + 1;
    } else if (next !== undefined && nameCharacter.test(next)) {
      let end = dollar + 1;
      while (end < text.length && nameCharacter.test(text[end]!)) end++;
      out += lookup(text.slice(dollar + 1, end)) ?? "";
      index = end;
    } else {
      out += "$";
      index = dollar + 1;
    }
  }
  return out;
}
