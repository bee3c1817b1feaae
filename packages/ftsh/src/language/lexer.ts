/**
 * The ftsh scanner. It is pulled by the parser with a mode, because a few characters mean
 * different things in commands and in expressions: in `wget http://a,b/(x)` the comma and
 * parentheses are part of a word, while in `fib($1 .sub. 1, 2)` and `forany h in X, Y` they
 * are punctuation. (The original scanner always splits them, which breaks such commands.)
 */
import type { Word, WordPart } from "./ast.ts";
import { FtshSyntaxError, type Position } from "./syntax-error.ts";

export type LexMode = "command" | "expression";

/** Redirection operators as written, longest first (an fd number may precede some of them). */
export const redirectOperators = [
  "->>&",
  "-&>>",
  "->&",
  "-&>",
  "->>",
  "->",
  "-<",
  ">>&",
  "&>>",
  ">&",
  "&>",
  ">>",
  ">",
  "<-",
  "<<",
  "<",
  "|",
  "&",
] as const;
export type RedirectOperator = (typeof redirectOperators)[number];

/** Operators that may carry a leading file descriptor number, as in `2>` or `2->`. */
const numberableOperators = new Set<string>([">", ">>", "<", ">&", ">>&", "->", "->>", "-<"]);

interface TokenBase {
  position: Position;
  /** Offset of the token's first character in the source. */
  offset: number;
  /** Whitespace (or a line start) precedes this token: `f(x)` is a call, `f (x)` is not. */
  spaceBefore: boolean;
}

export type Token =
  | (TokenBase & { kind: "word"; word: Word })
  | (TokenBase & { kind: "redirect"; operator: RedirectOperator; fd: number | undefined })
  | (TokenBase & { kind: "end-of-statement" | "end-of-file" | "left-paren" | "right-paren" | "comma" });

interface State {
  offset: number;
  line: number;
  column: number;
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;
const variableSpecials = new Set(["#", "*", "@", "$"]);

export class Lexer {
  private state: State = { offset: 0, line: 1, column: 1 };
  private peeked: { mode: LexMode; from: State; token: Token; to: State } | undefined;

  constructor(
    private readonly source: string,
    private readonly file: string,
  ) {
    // a byte-order mark (some Windows editors write one) is not part of the first word: it hid
    // a leading 'try' ("unexpected 'end'") or became part of the first program's name
    if (source.startsWith("\uFEFF")) this.state.offset = 1;
    // no program can receive a NUL in an argument, and a script holding one is not text (a
    // binary file given by mistake, or a file that was cut short while being written)
    const nul = source.indexOf("\0");
    if (nul >= 0) {
      const lineStart = source.lastIndexOf("\n", nul - 1) + 1;
      const line = source.slice(0, nul).split("\n").length;
      throw this.error({ line, column: nul - lineStart + 1 }, "a NUL byte in the script: ftsh scripts are text");
    }
  }

  /** The next token, read in `mode`. */
  next(mode: LexMode): Token {
    const peeked = this.peeked;
    if (peeked && peeked.mode === mode && peeked.from.offset === this.state.offset) {
      this.state = peeked.to;
      this.peeked = undefined;
      return peeked.token;
    }
    return this.scan(mode);
  }

  /** The next token in `mode`, without consuming it. */
  peek(mode: LexMode): Token {
    const peeked = this.peeked;
    if (peeked && peeked.mode === mode && peeked.from.offset === this.state.offset) return peeked.token;
    const from = { ...this.state };
    const token = this.scan(mode);
    this.peeked = { mode, from, token, to: { ...this.state } };
    this.state = from;
    return token;
  }

  error(position: Position, reason: string): FtshSyntaxError {
    return new FtshSyntaxError(this.file, position, reason);
  }

  /** Continues scanning from `offset` on the line of `position` (a token's start plus `columns`). */
  rewind(token: { offset: number; position: Position }, columns: number): void {
    this.peeked = undefined;
    this.state = { offset: token.offset + columns, line: token.position.line, column: token.position.column + columns };
  }

  private get char(): string {
    return this.source[this.state.offset] ?? "";
  }

  private charAt(ahead: number): string {
    return this.source[this.state.offset + ahead] ?? "";
  }

  private advance(count = 1): void {
    for (let i = 0; i < count; i++) {
      if (this.char === "\n") {
        this.state.line++;
        this.state.column = 1;
      } else {
        this.state.column++;
      }
      this.state.offset++;
    }
  }

  private position(): Position {
    return { line: this.state.line, column: this.state.column };
  }

  private skipBlanks(): boolean {
    const startOffset = this.state.offset;
    for (;;) {
      const c = this.char;
      if (c === " " || c === "\t" || (c === "\r" && this.charAt(1) === "\n")) this.advance();
      else if (c === "\\" && this.charAt(1) === "\n") this.advance(2);
      else if (c === "#") while (this.char !== "" && this.char !== "\n") this.advance();
      else break;
    }
    return this.state.offset > startOffset || this.state.column === 1;
  }

  private scan(mode: LexMode): Token {
    const spaceBefore = this.skipBlanks();
    const position = this.position();
    const offset = this.state.offset;
    const c = this.char;
    if (c === "") return { kind: "end-of-file", position, offset, spaceBefore };
    if (c === "\n" || c === ";") {
      this.advance();
      return { kind: "end-of-statement", position, offset, spaceBefore };
    }
    if (mode === "expression") {
      const punctuation = { "(": "left-paren", ")": "right-paren", ",": "comma" } as const;
      if (c === "(" || c === ")" || c === ",") {
        this.advance();
        return { kind: punctuation[c], position, offset, spaceBefore };
      }
    }
    const redirect = this.scanRedirect();
    if (redirect) return { kind: "redirect", ...redirect, position, offset, spaceBefore };
    if (c === "`") throw this.error(position, "backquotes are not supported; capture output with '-> name' instead");
    return { kind: "word", word: this.scanWord(mode, position), position, offset, spaceBefore };
  }

  private scanRedirect(): { operator: RedirectOperator; fd: number | undefined } | undefined {
    let fd: number | undefined;
    let start = 0;
    if (/[0-9]/.test(this.char)) {
      fd = Number(this.char);
      start = 1;
    }
    const rest = this.source.slice(this.state.offset + start, this.state.offset + start + 4);
    const operator = redirectOperators.find((op) => rest.startsWith(op));
    if (!operator || (fd !== undefined && !numberableOperators.has(operator))) return undefined;
    this.advance(start + operator.length);
    return { operator, fd };
  }

  private isWordEnd(mode: LexMode): boolean {
    const c = this.char;
    if (c === "" || " \t\n;<>|&`".includes(c)) return true;
    if (c === "\r" && this.charAt(1) === "\n") return true;
    return mode === "expression" && "(),".includes(c);
  }

  private scanWord(mode: LexMode, position: Position): Word {
    const parts: WordPart[] = [];
    const pushLiteral = (text: string, quoted: boolean): void => {
      const last = parts.at(-1);
      if (last?.kind === "literal" && last.quoted === quoted) last.text += text;
      else parts.push({ kind: "literal", text, quoted });
    };
    while (!this.isWordEnd(mode)) {
      const c = this.char;
      if (c === "\\") {
        if (this.charAt(1) === "\n") break;
        if (this.charAt(1) === "") throw this.error(this.position(), "a backslash at the end of the file escapes nothing");
        pushLiteral(this.charAt(1), true);
        this.advance(2);
      } else if (c === "'" || c === '"') {
        this.scanQuoted(c, parts, pushLiteral);
      } else if (c === "$") {
        parts.push({ kind: "variable", name: this.scanVariable(), quoted: false });
      } else {
        pushLiteral(c, false);
        this.advance();
      }
    }
    if (parts.length === 0) throw this.error(position, `unexpected '${this.char}'`);
    return { parts, position };
  }

  private scanQuoted(quote: string, parts: WordPart[], pushLiteral: (text: string, quoted: boolean) => void): void {
    const start = this.position();
    const startOffset = this.state.offset;
    this.advance();
    for (;;) {
      const c = this.char;
      if (c === "") throw this.error(start, `unterminated ${quote === "'" ? "single" : "double"}-quoted string`);
      if (c === quote) {
        this.advance();
        if (this.state.offset === startOffset + 2) pushLiteral("", true); // "" is an empty argument, not nothing
        return;
      }
      if (c === "\\" && this.charAt(1) !== "") {
        pushLiteral(this.charAt(1), true);
        this.advance(2);
      } else if (c === "$" && quote === '"') {
        parts.push({ kind: "variable", name: this.scanVariable(), quoted: true });
      } else {
        pushLiteral(c, true);
        this.advance();
      }
    }
  }

  /** Reads `$name`, `${name}`, `$(name)`, `$12`, `$#`, `$*`, `$@` or `$$`; returns the name. */
  private scanVariable(): string {
    const start = this.position();
    this.advance();
    const open = this.char;
    if (open === "{" || open === "(") {
      const close = open === "{" ? "}" : ")";
      const end = this.source.indexOf(close, this.state.offset);
      const newline = this.source.indexOf("\n", this.state.offset);
      if (end < 0 || (newline >= 0 && newline < end)) throw this.error(start, `'$${open}' is not closed by '${close}'`);
      const name = this.source.slice(this.state.offset + 1, end);
      if (!isVariableName(name) && open === "(" && /\s/.test(name)) {
        throw this.error(start, `command substitution ('$(${name})') is not supported; capture output with '-> name' instead`);
      }
      if (!isVariableName(name)) throw this.error(start, `'${name}' is not a variable name`);
      this.advance(end + 1 - this.state.offset);
      return name;
    }
    // sticky, at the current offset: a slice of the next 256 characters cut longer names in two
    const name = /[0-9]+|[A-Za-z_][A-Za-z0-9_]*|[#*@$]/y;
    name.lastIndex = this.state.offset;
    const match = name.exec(this.source);
    if (!match) throw this.error(start, "expected a variable name after '$' (write \\$ for a dollar sign)");
    this.advance(match[0].length);
    return match[0];
  }
}

/** True for names `$name` can refer to: identifiers, positions (digits) and `# * @ $`. */
export function isVariableName(name: string): boolean {
  return identifier.test(name) || /^[0-9]+$/.test(name) || variableSpecials.has(name);
}

/** True for names an assignment or `->` may set. */
export function isAssignableName(name: string): boolean {
  return identifier.test(name);
}

/** The text of a word written without quotes, escapes or variables; undefined otherwise. */
export function bareText(word: Word): string | undefined {
  const [part, ...rest] = word.parts;
  if (rest.length > 0 || part?.kind !== "literal" || part.quoted) return undefined;
  return part.text;
}
