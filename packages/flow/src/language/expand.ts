/**
 * Variable expansion: `$X`, `$(X)` and `${X}` take the variable's value (a workflow variable,
 * else the environment; a name set by neither is an error, as upstream), `$$` and `\$` give a literal dollar for the shell.
 * Single-quoted text is literal, as in the shell and upstream Makeflow's lexer (`awk '{print
 * $1}'` keeps its `$1`), but `$$` and `\$` still give one dollar there, so files written for the
 * older rule keep working; double quotes do not stop expansion. What follows `$(` or `${` must
 * be a variable name: `$(date +%s)` or `${HOME:-x}` is an error, not an empty value, and so is
 * `$1` (a name starts with a letter or `_`): the shell's or awk's `$1` written outside single
 * quotes would otherwise vanish from the command.
 * Expansion is linear in the text: values are expanded when assigned, never re-scanned.
 */
import type { SourceLocation } from "../workflow.ts";
import type { LogicalLine } from "./source-text.ts";
import { WorkflowError } from "./errors.ts";

export type Lookup = (name: string) => string | undefined;

/**
 * Longest text an expansion may make (characters). Values expand when assigned, so
 * `X=$(X)$(X)` doubles X at each line: 30 such lines passed V8's longest string, a RangeError.
 */
export const expandedLengthMax = 64 * 2 ** 20;

function tooLong(text: string, dollar: number, line: LogicalLine, offset: number): WorkflowError {
  return new WorkflowError(line.locate(offset + dollar), `expanding \`${excerpt(text, dollar, text[dollar + 1] === "{" ? "}" : ")")}\` makes a text longer than ${expandedLengthMax / 2 ** 20} Mi characters (does a variable double itself?)`);
}

/** `[A-Za-z0-9_]`, the characters of a name after a bare `$`. */
function isNameCode(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Tracks shell quoting while a scan moves forward through a text, so that each `$` can be asked
 * whether it stands inside single quotes. Backslash escapes the next character outside single
 * quotes (as `unterminatedQuote` reads them). Each character is looked at once.
 */
class SingleQuotes {
  private position = 0;
  private quote = 0; // 0, or the code of the open quote: 39 (') or 34 (")

  constructor(private readonly text: string) {}

  /** Whether `offset` (at or after every earlier question's offset) is inside single quotes. */
  at(offset: number): boolean {
    const text = this.text;
    let position = this.position;
    let quote = this.quote;
    while (position < offset) {
      const c = text.charCodeAt(position++);
      if (quote === 39) {
        if (c === 39) quote = 0;
      } else if (c === 92) position++;
      else if (quote === 34) {
        if (c === 34) quote = 0;
      } else if (c === 39 || c === 34) quote = c;
    }
    this.position = position;
    this.quote = quote;
    return quote === 39 && position === offset;
  }
}

/**
 * Whether the backslashes just before `dollar` escape it: an odd number of them does (`\$X`);
 * an even number are escaped backslashes, as in the shell (`\\$X` is a backslash, then X).
 */
function escapedDollar(text: string, dollar: number): boolean {
  let count = 0;
  for (let i = dollar - 1; i >= 0 && text.charCodeAt(i) === 92; i--) count++;
  return count % 2 === 1;
}

/** The text of a bad `$(…)` or `${…}` for a message: up to its closer or the next blank. */
function excerpt(text: string, dollar: number, close: string): string {
  let end = dollar + 2;
  while (end < text.length && end - dollar < 40 && text[end] !== close && text[end] !== " " && text[end] !== "\t") end++;
  if (text[end] === close) return text.slice(dollar, end + 1);
  return end < text.length ? `${text.slice(dollar, end)} …` : text.slice(dollar, end);
}

/** make's text functions (`$(wildcard *.c)`, `%` patterns with `$(patsubst …)`): Makeflow has none. */
const makeFunction = /^\$\((wildcard|patsubst|subst|shell|foreach|notdir|basename|dir|suffix|addprefix|addsuffix|filter|filter-out|sort|word|words|wordlist|firstword|lastword|strip|findstring|join|realpath|abspath|call|eval|origin|value|if|or|and|file|error|warning|info)[ \t]/;

/**
 * make's substitution references, `$(SRC:.c=.o)` and `${SRC:%.c=%.o}`: a name, `:`, `from=to`,
 * `from` not starting as the shell's `${X:-y}`, `${X:=y}`, `${X:+y}`, `${X:?y}` do.
 */
const makeSubstitution = /^\$(?:\([A-Za-z_][A-Za-z0-9_]*:[^-=+?()\s][^()=\s]*=[^()\s]*\)|\{[A-Za-z_][A-Za-z0-9_]*:[^-=+?{}\s][^{}=\s]*=[^{}\s]*\})/;

function badName(text: string, dollar: number, line: LogicalLine, offset: number): WorkflowError {
  const open = text[dollar + 1]!;
  const shell = open === "(" ? "command substitution" : "parameter expansion";
  const make = makeFunction.exec(text.slice(dollar, dollar + 20));
  if (make) {
    // upstream's own tests (TR_makeflow_023_wildcard, _024_pattern) show make's functions do not belong to the language
    return new WorkflowError(line.locate(offset + dollar), `\`$(${make[1]} …)\` is make's ${make[1]} function; Makeflow has no functions: write the file names (or \`$$(\` for the shell's command substitution)`);
  }
  const substitution = makeSubstitution.exec(text.slice(dollar, dollar + 300));
  if (substitution) {
    // `$(SRC:.c=.o)`: make's substitution reference, not the shell's — say so, not "write `$$(`"
    return new WorkflowError(line.locate(offset + dollar), `\`${substitution[0]}\` is make's substitution reference; Makeflow has none: write the file names (or set another variable)`);
  }
  return new WorkflowError(
    line.locate(offset + dollar),
    `\`${excerpt(text, dollar, open === "(" ? ")" : "}")}\`: not a variable name; write \`$$${open}\` for the shell's ${shell}`,
  );
}

/**
 * A `$X` naming a variable that neither the workflow (before this point) nor the environment
 * sets. Upstream stops there ("Variable X has not yet been defined"); an empty value would
 * silently change the command (`rm -rf $(OUT)/`, or the shell's `$f` in a loop, which upstream
 * also refuses). The parser adds where the name is set later, when it is.
 */
export class UndefinedVariableError extends WorkflowError {
  override name = "WorkflowError";
  constructor(
    location: SourceLocation,
    readonly variable: string,
    readonly written: string,
    setLater?: SourceLocation,
    /** In a command, where the shell's own variable may have been meant: the hint gives its spelling (not in a file name or a value). */
    readonly inCommand = false,
  ) {
    super(
      location,
      setLater
        ? `variable '${variable}' is used before it is set (at line ${setLater.line}): set it before this line`
        : `variable '${variable}' is not set (neither by the workflow before this line nor in the environment)${inCommand ? `; for the shell's variable write '${shellSpelling(variable, written)}'` : ""}`,
    );
  }
}

/** How to give the shell its own variable: `$${X}` for `$(X)` (`$$(X)` would be a command substitution) and `${X}`, `$$X` for `$X`. */
function shellSpelling(variable: string, written: string): string {
  return written.startsWith("$(") || written.startsWith("${") ? `$$\{${variable}}` : `$$${variable}`;
}

function lookUp(lookup: Lookup, name: string, text: string, dollar: number, end: number, line: LogicalLine, offset: number, inCommand: boolean): string {
  const value = lookup(name);
  if (value === undefined) throw new UndefinedVariableError(line.locate(offset + dollar), name, text.slice(dollar, end), undefined, inCommand);
  return value;
}

/** Expands `text` (which starts at `offset` of `line`, for error positions); `inCommand`: it is a command (see `UndefinedVariableError`). */
export function expand(text: string, lookup: Lookup, line: LogicalLine, offset: number, inCommand = false): string {
  if (!text.includes("$")) return text;
  const singleQuotes = text.includes("'") ? new SingleQuotes(text) : undefined;
  let out = "";
  let index = 0; // text before `index` is in `out`
  let from = 0; // where to look for the next `$`
  for (;;) {
    const dollar = text.indexOf("$", from);
    if (dollar < 0) break;
    const literal = singleQuotes?.at(dollar) ?? false;
    const next = text.charCodeAt(dollar + 1);
    if (dollar > 0 && text.charCodeAt(dollar - 1) === 92 && escapedDollar(text, dollar)) {
      out += `${text.slice(index, dollar - 1)}$`;
      index = from = dollar + 1;
    } else if (next === 36) {
      out += `${text.slice(index, dollar)}$`;
      index = from = dollar + 2;
    } else if (literal) {
      from = dollar + 1;
    } else if (next === 40 || next === 123) {
      const close = next === 40 ? 41 : 125;
      let end = dollar + 2;
      while (end < text.length && (isNameCode(text.charCodeAt(end)) || text.charCodeAt(end) === 46)) end++;
      if (end === text.length) throw new WorkflowError(line.locate(offset + dollar), `unterminated variable reference '$${text[dollar + 1]}'`);
      if (text.charCodeAt(end) !== close || end === dollar + 2 || isDigitCode(text.charCodeAt(dollar + 2))) throw badName(text, dollar, line, offset);
      out += text.slice(index, dollar) + lookUp(lookup, text.slice(dollar + 2, end), text, dollar, end + 1, line, offset, inCommand);
      if (out.length > expandedLengthMax) throw tooLong(text, dollar, line, offset);
      index = from = end + 1;
    } else if (next === 64 || next === 60 || next === 94) {
      // make's automatic variables ($@ the target, $< the first source, $^ all sources): not
      // Makeflow's; the shell would read `$<` as a redirection and `$@` as no words at all
      throw new WorkflowError(
        line.locate(offset + dollar),
        `\`$${text[dollar + 1]}\` is make's automatic variable; Makeflow has none: write the file names (or \`$$${text[dollar + 1]}\` for the shell)`,
      );
    } else if (isDigitCode(next)) {
      // the shell's `$1` (or awk's) outside single quotes: no variable is named so, and
      // expanding it to nothing would silently change the command (upstream stops here too)
      throw new WorkflowError(
        line.locate(offset + dollar),
        `\`$${text[dollar + 1]}\`: not a variable name (names start with a letter or '_'); write \`$$${text[dollar + 1]}\` for the shell, or put it in single quotes`,
      );
    } else if (isNameCode(next)) {
      let end = dollar + 2;
      while (end < text.length && isNameCode(text.charCodeAt(end))) end++;
      out += text.slice(index, dollar) + lookUp(lookup, text.slice(dollar + 1, end), text, dollar, end, line, offset, inCommand);
      if (out.length > expandedLengthMax) throw tooLong(text, dollar, line, offset);
      index = from = end;
    } else {
      from = dollar + 1;
    }
  }
  return index === 0 ? text : out + text.slice(index);
}
