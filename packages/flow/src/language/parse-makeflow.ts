/**
 * The Makeflow language (classic Make syntax), read in one pass over logical lines:
 *
 *     [@]NAME=value  [@]NAME+=value  export NAME[=value]  export NAME...  .MAKEFLOW directive ...
 *     targets: sources
 *     LOCAL_NAME=value               (rule-local assignments: unindented, `@` optional,
 *         @LOCAL_NAME=value           or indented with `@`)
 *         [LOCAL] command            (exactly one; `MAKEFLOW file [dir]` nests a workflow)
 *
 * Values are expanded when assigned (so `+=` and self-reference work), and a rule sees the
 * variables as they stand at its position. One pass, no backtracking: linear in the text.
 */
import type { Rule, Workflow } from "../workflow.ts";
import { type Canonical, canonicalizer } from "./canonical-path.ts";
import { WorkflowError } from "./errors.ts";
import { readDirective } from "./directives.ts";
import { expand, type Lookup, UndefinedVariableError } from "./expand.ts";
import { fileList } from "./file-words.ts";
import { OpenCommand } from "./quoted-command.ts";
import { OpenValue } from "./quoted-value.ts";
import { type PendingRule, RuleBuilder } from "./rule-builder.ts";
import { Scope } from "./scope.ts";
import { forEachLogicalLine, type LogicalLine } from "./source-text.ts";
import { checkQuotes, commentStart, firstUnquoted, separatorColon, unterminatedQuote } from "./words.ts";

export interface ParseInit {
  /** The file name used in error locations and as the workflow's name. */
  file: string;
  /** Environment for variable fallback and CORES/MEMORY/DISK defaults (default: none). */
  environment?: Readonly<Record<string, string | undefined>>;
  /**
   * The absolute directory the workflow runs in: each file gets one name against it (`/dir/x`
   * and `../dir/x` are `x`; see canonical-path.ts). Without it, paths are only normalized.
   */
  directory?: string;
}

const assignment = /^([A-Za-z_][A-Za-z0-9_.]*)[ \t]*(\+?=)/;
const exportAssignment = /^export[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]*(\+?=)/;
const exportName = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** make's own statements, read as a word followed by a blank or the end of the line. */
const makeKeyword = /^(?:-include|sinclude|include|ifeq|ifneq|ifdef|ifndef|else|endif|define|endef)(?=[ \t]|$)/;

/** What to write instead of make's `keyword`. */
function makeKeywordHint(keyword: string): string {
  if (keyword.endsWith("include")) return "write the rules into this file, or run the other file as a nested workflow ('MAKEFLOW file')";
  if (keyword === "define" || keyword === "endef") return "write NAME=value (a double-quoted value may go on over several lines)";
  return "Makeflow has no conditionals; give variables their values from the environment (NAME=value skein flow …) or write one workflow per case";
}

/** Offset of the first `:` outside quotes and before any comment, or -1. */
function ruleColon(text: string): number {
  const at = firstUnquoted(text, ":#");
  return at >= 0 && text[at] === ":" ? at : -1;
}

/** Offset of the first character that is not white space (as `\s` means it), or -1. */
function firstNonBlank(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) continue;
    if (c < 128 || !/\s/.test(text[i]!)) return i;
  }
  return -1;
}

/**
 * Refuses a line indented with a blank that is not ASCII (a no-break space pasted from a web
 * page looks like a tab): it would not count as indentation, and the command would be missed.
 */
function unicodeIndent(line: LogicalLine, start: number): void {
  for (let i = 0; i < start; i++) {
    const c = line.text.charCodeAt(i);
    if (c < 128) continue;
    const code = `U+${c.toString(16).toUpperCase().padStart(4, "0")}`;
    throw new WorkflowError(line.locate(i), `the line is indented with ${code}${c === 0xa0 ? " (a no-break space)" : ""}, not a tab or a space`);
  }
}

/** Why an indented `@` line is neither a rule-local assignment nor a command. */
function atHint(line: LogicalLine): string {
  if (!line.indented) return "";
  return "; a command cannot start with '@' (make's '@' that hides a command is not Makeflow)";
}

class MakeflowParser {
  readonly scope: Scope;
  readonly builder: RuleBuilder;
  private pending: PendingRule | undefined;
  /** A command whose quoted string goes on over the next lines. */
  private openCommand: OpenCommand | undefined;
  /** An assignment whose double-quoted value goes on over the next lines. */
  private openValue: OpenValue | undefined;
  private lastWasCommand = false;
  /**
   * A space-indented `NAME=value` line right after a rule line, held until the next line says
   * what it is. Upstream reads a line that starts with a space and holds `=` as an assignment
   * (its manual writes a rule-local variable so, indented, before the command) and a line that
   * starts with a tab as the command: it is the rule's own assignment when a command follows,
   * else the command itself (`    CFLAGS=-O2 make`, which upstream would refuse).
   */
  private spaceAssignment: { line: LogicalLine; start: number; pending: PendingRule } | undefined;
  /** Global variable look-up, made once (not one closure per rule). */
  private readonly lookup: (name: string) => string | undefined;
  private readonly canonical: Canonical;

  constructor(
    readonly init: ParseInit,
    /** Whether the text holds a carriage return at all (most files do not: no line is searched). */
    private readonly carriageReturns: boolean,
    /** Whether the text holds U+FFFD, what a byte that is not UTF-8 was read as. */
    private readonly replacements: boolean,
  ) {
    this.scope = new Scope(init.environment ?? {});
    this.canonical = canonicalizer(init.directory);
    this.builder = new RuleBuilder(this.scope, this.canonical);
    this.lookup = (name) => this.scope.lookup(name);
  }

  line(line: LogicalLine): void {
    const carriageReturn = this.carriageReturns ? line.text.indexOf("\r") : -1;
    if (carriageReturn >= 0) {
      // CRLF line ends lose their CR before this; a CR left is an old Mac line end, or a stray one
      throw new WorkflowError(line.locate(carriageReturn), "a carriage return (CR) inside a line: save the file with LF or CRLF line ends");
    }
    if (this.replacements) this.checkEncoding(line);
    if (this.openCommand) {
      // inside a quoted string of the command: blank lines, `#` and indentation are the string's
      if (this.openCommand.add(line)) this.finishCommand(this.openCommand.pending, this.openCommand.line(), this.openCommand.start);
      return;
    }
    if (this.openValue) {
      if (this.openValue.add(line)) this.openValue = undefined;
      return;
    }
    const start = firstNonBlank(line.text);
    if (start < 0 || line.text[start] === "#") return;
    if (start > 0) unicodeIndent(line, start);
    if (this.spaceAssignment) this.settleSpaceAssignment(line, start);
    if (this.pending) {
      this.ruleBody(line, start, this.pending);
      return;
    }
    if (line.indented && this.lastWasCommand) {
      // `\tX=1` then `\tcmd`: the first indented line is the command, as upstream reads a tab
      const previous = this.builder.rules.at(-1)?.command ?? "";
      const own = line.text.slice(start);
      const hint = /^[A-Za-z_][A-Za-z0-9_]*\+?=\S*$/.test(previous)
        ? ` (the command before is '${previous}': write a rule-local assignment as '@${previous}', or unindented)`
        : assignment.test(own) || ruleColon(own) >= 0
          ? " (a rule line or an assignment starts at the beginning of its line, not indented)"
          : "";
      throw new WorkflowError(line.locate(start), `a rule has exactly one command; join commands with ';' or '&&'${hint}`);
    }
    this.lastWasCommand = false;
    this.statement(line, start);
  }

  /**
   * Refuses a byte that is not UTF-8 (the file is read as UTF-8, and such a byte becomes U+FFFD)
   * outside comments: a file name `in\xff` would be looked for as `in\u{fffd}` and be "missing",
   * and a command would run changed. Upstream passes bytes through; a comment may hold any.
   */
  private checkEncoding(line: LogicalLine): void {
    const at = line.text.indexOf("\ufffd");
    if (at < 0) return;
    if (!this.openCommand && !this.openValue && (line.text.trimStart().startsWith("#") || commentStart(line.text) < at)) return;
    throw new WorkflowError(line.locate(at), "a byte that is not UTF-8 (read as U+FFFD): skein reads workflow files as UTF-8; convert the file (for example with iconv -f latin1 -t utf-8)");
  }

  /**
   * A line between a rule line and its command. Indented, it is the command, as upstream reads
   * a line that starts with a tab (`LC_ALL=C sort …` is a command), unless it starts `@NAME=`
   * or `@NAME+=`, blanks allowed before the `=` (a rule-local assignment: no command starts
   * with `@`; upstream runs a tab-indented `@X = 1` as a command and has no such assignment). Unindented, it is a rule-local assignment, with or
   * without `@`. A `.MAKEFLOW` directive, indented or not, is the rule's own.
   */
  private ruleBody(line: LogicalLine, start: number, pending: PendingRule): void {
    const text = line.text;
    const marked = text[start] === "@";
    if (text[start] === "." && /^\.(?:MAKEFLOW|SIZE|UMBREL|RESOURCE)/.test(text.slice(start, start + 9))) {
      // indented or not: upstream reads an unindented directive here as the rule's own (an
      // indented '.RESOURCE CORES 2' ran as a command named '.RESOURCE')
      this.builder.localDirective(pending, readDirective(line, start, (n) => this.scope.lookup(n, pending.variables)), line.locate(start));
    } else if (marked || !line.indented) {
      const offset = marked ? start + 1 : start;
      const match = text.includes("=", offset) ? assignment.exec(text.slice(offset)) : null;
      if (!match && /^export(?:[ \t]|$)/.test(text.slice(offset))) {
        throw new WorkflowError(line.locate(start), "'export' applies to every later rule: put it before the rule (a rule-local NAME=value of an exported name reaches its job)");
      }
      if (!match && !marked) throw this.builder.missingCommand(pending);
      if (!match) throw new WorkflowError(line.locate(start), `'@' must be followed by an assignment NAME=value${atHint(line)}`);
      this.localAssignment(line, offset, match, pending);
    } else if (text.charCodeAt(0) === 32 && text.includes("=", start) && assignment.test(text.slice(start)) && unterminatedQuote(text.slice(start)) < 0) {
      this.spaceAssignment = { line, start, pending };
    } else {
      this.pending = undefined;
      this.openCommand = OpenCommand.open(pending, line, start);
      if (!this.openCommand) this.finishCommand(pending, line, start);
    }
  }

  private localAssignment(line: LogicalLine, offset: number, match: RegExpExecArray, pending: PendingRule): void {
    const valueOffset = offset + match[0].length;
    const assign = (whole: LogicalLine) => {
      const value = this.value(whole, valueOffset, (n) => this.scope.lookup(n, pending.variables));
      this.builder.localAssignment(pending, match[1]!, match[2]!, value, whole.locate(valueOffset));
    };
    this.openValue = OpenValue.open(line, valueOffset, match[1]!, assign);
    if (!this.openValue) assign(line);
  }

  /**
   * Settles a held space-indented `NAME=value` line (see `spaceAssignment`) by the line after it:
   * when the rule goes on (an indented line, an assignment or a directive), it was the rule's
   * own assignment; else it was the command.
   */
  private settleSpaceAssignment(line: LogicalLine | undefined, start: number): void {
    const held = this.spaceAssignment!;
    this.spaceAssignment = undefined;
    const text = line?.text.slice(start) ?? "";
    if (line && (line.indented || text[0] === "@" || text[0] === "." || (text.includes("=") && assignment.test(text)))) {
      this.localAssignment(held.line, held.start, assignment.exec(held.line.text.slice(held.start))!, held.pending);
      return;
    }
    this.pending = undefined;
    this.finishCommand(held.pending, held.line, held.start);
  }

  private finishCommand(pending: PendingRule, line: LogicalLine, start: number): void {
    this.openCommand = undefined;
    this.builder.finish(pending, line, start);
    this.lastWasCommand = true;
  }

  private statement(line: LogicalLine, start: number): void {
    const text = line.text.slice(start);
    if (text[0] === "." && /^\.[A-Z_]+(?:[ \t:]|$)/.test(text)) {
      this.directive(line, start);
      return;
    }
    if (text.startsWith("export") && /^export(?:[ \t]|$)/.test(text)) {
      this.exportStatement(line, start);
      return;
    }
    const marked = text[0] === "@" ? 1 : 0; // outside a rule, upstream reads `@NAME=value` as a global assignment
    const assigned = text.includes("=") ? assignment.exec(marked ? text.slice(1) : text) : null;
    if (assigned) {
      this.assign(line, assigned[1]!, assigned[2]!, start + marked + assigned[0].length);
      return;
    }
    const makeAssignment = text.includes("=") ? /^([A-Za-z_][A-Za-z0-9_.]*)[ \t]*(::?=|\?=|!=)/.exec(text) : null;
    if (makeAssignment) {
      // a rule 'X' with sources '=' and '1', or 'expected a rule', would hide what went wrong
      throw new WorkflowError(line.locate(start + makeAssignment[0].length - makeAssignment[2]!.length), `'${makeAssignment[2]}' is make's, not Makeflow's: write '${makeAssignment[1]}=value' (values expand when assigned) or '${makeAssignment[1]}+=value'`);
    }
    const keyword = makeKeyword.exec(text);
    if (keyword) throw new WorkflowError(line.locate(start), `make's '${keyword[0]}' is not part of the Makeflow language: ${makeKeywordHint(keyword[0])}`);
    const colon = ruleColon(text);
    if (colon < 0) {
      // an open quote hides the rule's ':' (`"x y: z`): name the quote, not a missing rule
      const quote = unterminatedQuote(text);
      if (quote >= 0 && text.includes(":", quote)) throw new WorkflowError(line.locate(start + quote), `unterminated quote ${text[quote]}`);
      if (line.indented) throw new WorkflowError(line.locate(start), "a command (an indented line) with no rule 'targets: sources' before it");
      throw new WorkflowError(line.locate(start), "expected a rule 'targets: sources', an assignment 'NAME=value', 'export' or '.MAKEFLOW'");
    }
    const end = commentStart(text);
    const second = separatorColon(text.slice(colon + 1, end));
    if (second >= 0) {
      // make reads `a: b: c` as a static pattern rule, upstream as another separator; a source `b:` is neither
      throw new WorkflowError(line.locate(start + colon + 1 + second), "a second ':' in a rule line: a rule is 'targets: sources' (quote a file name that ends with ':')");
    }
    const targets = fileList(text.slice(0, colon), this.lookup, this.canonical, line, start);
    const sources = fileList(text.slice(colon + 1, end), this.lookup, this.canonical, line, start + colon + 1);
    if (targets.length === 0) throw new WorkflowError(line.locate(start), "a rule needs at least one target before ':' (a rule's targets say whether it has run; for a check, make a stamp file: 'checked: in' with '… && touch checked')");
    // the rule is most often where its first target is: one location object for both (100 000 rules kept one more each)
    const location = line.locate(start);
    const first = targets[0]!.location;
    this.pending = this.builder.begin(targets, sources, first.line === location.line && first.column === location.column ? first : location);
  }

  /** `export NAME=value`, `export NAME+=value`, or `export NAME...` (several names, as upstream). */
  private exportStatement(line: LogicalLine, start: number): void {
    const text = line.text.slice(start);
    const assigned = exportAssignment.exec(text);
    if (assigned) {
      this.scope.export(assigned[1]!);
      this.assign(line, assigned[1]!, assigned[2]!, start + assigned[0].length);
      return;
    }
    const list = text.slice(0, commentStart(text));
    const names = [...list.slice(6).matchAll(/[^ \t]+/g)];
    if (names.length === 0) throw new WorkflowError(line.locate(start), "'export' needs a variable name: 'export NAME', 'export NAME=value' or 'export NAME OTHER'");
    for (const name of names) {
      if (!exportName.test(name[0])) {
        throw new WorkflowError(line.locate(start + 6 + name.index!), `cannot export '${name[0]}': not a variable name (letters, digits and '_', not starting with a digit)`);
      }
    }
    for (const name of names) this.scope.export(name[0]);
  }

  /** The value of an assignment that starts at `valueOffset`: without a comment, trimmed, expanded. */
  private value(line: LogicalLine, valueOffset: number, lookup: Lookup): string {
    const text = line.text.slice(valueOffset);
    const raw = text.slice(0, commentStart(text));
    checkQuotes(raw, line, valueOffset);
    return expand(raw.trim(), lookup, line, valueOffset + raw.search(/\S|$/));
  }

  /** A global assignment; its value may be a double-quoted string over several lines. */
  private assign(line: LogicalLine, name: string, operator: string, valueOffset: number): void {
    this.openValue = OpenValue.open(line, valueOffset, name, (whole) => this.assignValue(whole, name, operator, valueOffset));
    if (!this.openValue) this.assignValue(line, name, operator, valueOffset);
  }

  private assignValue(line: LogicalLine, name: string, operator: string, valueOffset: number): void {
    const value = this.value(line, valueOffset, this.lookup);
    const previous = operator === "+=" ? this.scope.lookup(name) : undefined; // the environment's value too, as upstream
    const joined = operator === "+=" && previous ? `${previous} ${value}` : value;
    this.scope.assign(name, joined, line.locate(valueOffset));
  }

  private directive(line: LogicalLine, start: number): void {
    const directive = readDirective(line, start, (n) => this.scope.lookup(n));
    if (directive.kind === "assign") this.scope.assign(directive.name, directive.value, directive.location);
    else if (directive.kind === "mode") this.scope.category(this.scope.currentCategory).mode = directive.mode;
    else this.builder.sizeHints.set(directive.path, directive.bytes);
  }

  finish(): Workflow {
    if (this.openCommand) throw this.openCommand.unterminated("it runs to the end of the file");
    if (this.openValue) throw this.openValue.unterminated("it runs to the end of the file");
    if (this.spaceAssignment) this.settleSpaceAssignment(undefined, 0);
    if (this.pending) throw this.builder.missingCommand(this.pending);
    return { file: this.init.file, directory: this.init.directory, rules: this.builder.rules, categories: this.scope.categories, sizeHints: this.builder.sizeHints };
  }
}

/** Parses Makeflow text. Throws `WorkflowError` (with `file:line:column`) on the first problem. */
export function parseMakeflow(text: string, init: ParseInit): Workflow {
  // a byte order mark, as some editors write, is not part of the first line (nor a column of it)
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const parser = new MakeflowParser(init, body.includes("\r"), body.includes("\ufffd"));
  try {
    forEachLogicalLine(body, init.file, (line) => parser.line(line));
  } catch (error) {
    if (error instanceof UndefinedVariableError) throw setLater(error, body);
    throw error;
  }
  return parser.finish();
}

/**
 * The error for a variable used before it is set, when a later line sets it (upstream stops
 * there too: a value is the one assigned before the use); else `error` as it is. Looked for
 * only when the error happens, so a correct file pays nothing.
 */
function setLater(error: UndefinedVariableError, text: string): UndefinedVariableError {
  const escaped = error.variable.replace(/\./g, "\\.");
  const assignment = new RegExp(`^[ \t]*(?:export[ \t]+|@)?${escaped}[ \t]*\\+?=|^[ \t]*\\.MAKEFLOW[ \t]+${escaped}[ \t]`, "gm");
  let line = 1;
  let counted = 0;
  for (const match of text.matchAll(assignment)) {
    for (let i = text.indexOf("\n", counted); i >= 0 && i < match.index; i = text.indexOf("\n", i + 1)) line++;
    counted = match.index;
    if (line > error.location.line) return new UndefinedVariableError(error.location, error.variable, error.written, { file: error.location.file, line, column: 1 }, error.inCommand);
  }
  return error;
}

export type { Rule };
