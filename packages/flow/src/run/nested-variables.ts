// skein-io-adapter: reads the enclosing workflow file again, only after a nested run failed on a variable, to say where that file sets it.
/**
 * A nested workflow sees the variables its `MAKEFLOW` rule exports (nested-environment.ts), not
 * those the enclosing workflow only sets. Its `$(Y)` of a variable set but not exported fails
 * with the language's "not set (neither by the workflow before this line nor in the
 * environment)" and its hint to write the shell's `$${Y}` — which, followed, runs the command
 * with an empty value. When the enclosing workflow does set it, the nested run's failure says
 * so instead: where it is set, and that `export Y` hands it on.
 * The language package does not know the workflow around the one it parses; the nested runner
 * does, so the error is translated there, from the failure's text (its run reports failures as
 * text) checked against the language's own wording. The enclosing file is read again only then.
 */
import { readFileSync } from "node:fs";
import { UndefinedVariableError } from "../language/expand.ts";
import { formatLocation } from "../language/errors.ts";
import type { Rule, SourceLocation } from "../workflow.ts";

/** The language's words for a variable not set, whatever its name and spelling (checked against `UndefinedVariableError`). */
const notSet = /variable '([A-Za-z_][A-Za-z0-9_.]*)' is not set \(neither by the workflow before this line nor in the environment\)(; for the shell's variable write '[^']*')?/;

/** Lines of the enclosing file read back for an assignment at most (a larger file gives no hint). */
export const hintLinesMax = 200_000;

/**
 * `reason` (a nested run's failure) with its "variable 'Y' is not set" said anew when the
 * workflow of `rule` (read from `file`) sets Y without exporting it; else `reason` as it is.
 */
export function unexportedVariableHint(reason: string, rule: Rule, file: string): string {
  const match = notSet.exec(reason);
  if (match === null) return reason;
  const name = match[1]!;
  const somewhere = { file: "", line: 1, column: 1 };
  // the language's words exactly, for `$(Y)` or `$Y`: a command's own output that reads alike is left alone
  const inCommand = match[2] !== undefined;
  if (![`$(${name})`, `$${name}`].some((written) => new UndefinedVariableError(somewhere, name, written, undefined, inCommand).problem === match[0])) return reason;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return reason;
  }
  const set = assignmentOf(text, name, rule.location);
  if (set === undefined) return reason;
  const shown = rule.location.file;
  const where = formatLocation(set.location);
  const fix = set.ruleLocal
    ? `write 'export ${name}' before the MAKEFLOW rule (${formatLocation(rule.location)}); its rule-local value is then handed on`
    : `write 'export ${name}' there (or 'export ${name}=…' on that line)`;
  const said = `variable '${name}' is not set: ${shown} sets it (${where}) but does not export it, and a nested workflow sees only the variables its MAKEFLOW rule exports; ${fix}`;
  return reason.slice(0, match.index) + said + reason.slice(match.index + match[0].length);
}

/**
 * Where the Makeflow text sets `name` for the rule at `at`: a rule-local assignment of that
 * rule (the lines right after its rule line), else the last global assignment before it. Not
 * in a JSON workflow, whose variables are all exported ("environment").
 */
function assignmentOf(text: string, name: string, at: SourceLocation): { location: SourceLocation; ruleLocal: boolean } | undefined {
  if (text.trimStart().startsWith("{")) return undefined;
  const escaped = name.replace(/\./g, "\\.");
  const global = new RegExp(`^@?(${escaped})[ \t]*\\+?=`);
  const local = new RegExp(`^(?:@?|[ \t]+@)(${escaped})[ \t]*\\+?=`);
  const anyLocal = /^(?:@?|[ \t]+@)[A-Za-z_][A-Za-z0-9_.]*[ \t]*\+?=|^[ \t]*\.(?:MAKEFLOW|SIZE|UMBREL|RESOURCE)/;
  const lines = text.split("\n", hintLinesMax);
  // the rule's own lines, up to its command
  for (let index = at.line; index < lines.length; index++) {
    const line = lines[index]!;
    const found = local.exec(line);
    if (found) return { location: { file: at.file, line: index + 1, column: found.index + found[0].indexOf(name) + 1 }, ruleLocal: true };
    if (!anyLocal.test(line)) break;
  }
  for (let index = Math.min(at.line - 1, lines.length) - 1; index >= 0; index--) {
    const found = global.exec(lines[index]!);
    if (found) return { location: { file: at.file, line: index + 1, column: 1 }, ruleLocal: false };
  }
  return undefined;
}
