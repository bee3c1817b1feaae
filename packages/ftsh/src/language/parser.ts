/**
 * The ftsh statement parser: recursive descent over the lexer, reading a whole script before
 * anything runs (the manual: "Ftsh parses complete programs in order to eliminate run-time
 * errors"). The first error stops parsing and names `file:line:column`.
 */
import type { Expression, FunctionDefinition, Limit, Redirect, Script, SimpleCommand, Statement, Word } from "./ast.ts";
import { bareText, isAssignableName, Lexer, type LexMode, type Token } from "./lexer.ts";
import { nestingDepthMax, scriptBytesMax, tryDurationMsMax, tryTimesMax } from "./limits.ts";
import { describe, ExpressionParser, type TokenSource } from "./parse-expression.ts";
import { checkSupported, redirectsOf } from "./parse-redirect.ts";
import type { FtshSyntaxError, Position } from "./syntax-error.ts";
import { FtshSyntaxError as SyntaxErrorClass } from "./syntax-error.ts";

const timeUnitsMs: Record<string, number> = {
  second: 1000,
  seconds: 1000,
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
};
const blockWords = new Set(["end", "catch", "else"]);
const assignment = /^([A-Za-z_][A-Za-z0-9_]*)=/;

/** Parses a whole script; throws `FtshSyntaxError` (`file:line:column: reason`) on the first error. */
export function parseScript(source: string, file: string): Script {
  const bytes = new TextEncoder().encode(source).length;
  if (bytes > scriptBytesMax) {
    throw new SyntaxErrorClass(file, { line: 1, column: 1 }, `script is ${bytes} bytes; the limit is ${scriptBytesMax}`);
  }
  return new Parser(source, file).parseScript();
}

class Parser implements TokenSource {
  private readonly lexer: Lexer;
  private readonly expressions = new ExpressionParser(this);
  private readonly functions = new Map<string, FunctionDefinition>();
  private depth = 0;
  private functionDepth = 0;
  /** The innermost forall being parsed (its branches cannot `return`), if any. */
  private enclosingForall: Position | undefined;

  constructor(
    source: string,
    private readonly file: string,
  ) {
    this.lexer = new Lexer(source, file);
  }

  parseScript(): Script {
    const { statements } = this.parseBlock([], undefined);
    return { file: this.file, statements, functions: this.functions };
  }

  next(mode: LexMode): Token {
    return this.lexer.next(mode);
  }

  peek(mode: LexMode): Token {
    return this.lexer.peek(mode);
  }

  error(position: Position, reason: string): FtshSyntaxError {
    return this.lexer.error(position, reason);
  }

  enter(position: Position): void {
    if (++this.depth > nestingDepthMax) throw this.error(position, `nesting deeper than ${nestingDepthMax} levels`);
  }

  leave(): void {
    this.depth--;
  }

  /** Statements up to one of `terminators` (consumed and returned) or, at top level, the end. */
  private parseBlock(
    terminators: string[],
    opener: { keyword: string; position: Position } | undefined,
  ): { statements: Statement[]; terminator: string } {
    const statements: Statement[] = [];
    for (;;) {
      const token = this.peek("command");
      if (token.kind === "end-of-statement") {
        this.next("command");
        continue;
      }
      if (token.kind === "end-of-file") {
        if (!opener) return { statements, terminator: "" };
        const { keyword, position } = opener;
        throw this.error(token.position, `'${keyword}' at line ${position.line} has no matching 'end'`);
      }
      const word = token.kind === "word" ? bareText(token.word) : undefined;
      if (word !== undefined && terminators.includes(word)) {
        this.next("command");
        return { statements, terminator: word };
      }
      if (word !== undefined && blockWords.has(word)) {
        const context = opener ? ` inside '${opener.keyword}' at line ${opener.position.line}` : "";
        throw this.error(token.position, `unexpected '${word}'${context}`);
      }
      statements.push(this.parseStatement());
    }
  }

  private parseStatement(): Statement {
    const token = this.next("command");
    if (token.kind !== "word") throw this.error(token.position, `expected a command, found ${describe(token)}`);
    const position = token.position;
    switch (bareText(token.word)) {
      case "function":
        return this.parseFunction(position);
      case "try":
        return this.parseTry(position);
      case "for":
      case "forany":
      case "forall":
        return this.parseFor(bareText(token.word) as "for" | "forany" | "forall", position);
      case "while":
        return this.parseWhile(position);
      case "if":
        return this.parseIf(position);
      case "return":
        return this.parseReturn(position);
      case "shift":
        return this.parseShift(position);
    }
    const first = token.word.parts[0];
    const match = first?.kind === "literal" && !first.quoted ? assignment.exec(first.text) : null;
    if (match) return this.parseAssign(token, match[1]!);
    return this.parseCommand(token.word, position);
  }

  private parseCommand(first: Word, position: Position): SimpleCommand {
    const words = [first];
    const redirects: Redirect[] = [];
    for (;;) {
      const token = this.next("command");
      if (token.kind === "end-of-statement" || token.kind === "end-of-file") break;
      if (token.kind === "word") {
        words.push(token.word);
        continue;
      }
      if (token.kind !== "redirect") throw this.error(token.position, `unexpected ${describe(token)}`);
      checkSupported(token, (p, reason) => this.error(p, reason));
      const target = this.next("command");
      if (target.kind !== "word") {
        throw this.error(target.position, `expected a target after ${describe(token)}, found ${describe(target)}`);
      }
      redirects.push(...redirectsOf(token, target.word, (p, reason) => this.error(p, reason)));
    }
    return { kind: "command", words, redirects, position };
  }

  /** `name=expression`: the value is re-read in expression mode from just after the `=`. */
  private parseAssign(token: Token, name: string): Statement {
    this.lexer.rewind(token, name.length + 1);
    const value = this.atEndOfStatement("expression") ? undefined : this.expressions.parse();
    this.expectEndOfStatement("expression", `after the value of '${name}' (quote a value that contains spaces)`);
    return { kind: "assign", name, value, position: token.position };
  }

  private parseFunction(position: Position): Statement {
    if (this.depth > 0) throw this.error(position, "functions can only be defined at the top level");
    const token = this.next("command");
    const name = token.kind === "word" ? bareText(token.word) : undefined;
    if (name === undefined || !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) {
      throw this.error(token.position, `expected a function name after 'function', found ${describe(token)}`);
    }
    const previous = this.functions.get(name);
    if (previous) throw this.error(token.position, `function '${name}' is already defined at line ${previous.position.line}`);
    this.expectEndOfStatement("command", `after 'function ${name}'`);
    this.functionDepth++;
    const body = this.parseBody("function", position, ["end"]).statements;
    this.functionDepth--;
    this.expectEndOfStatement("command", "after 'end'");
    const definition: FunctionDefinition = { kind: "function", name, body, position };
    this.functions.set(name, definition);
    return definition;
  }

  private parseTry(position: Position): Statement {
    const limits: { forTime?: Limit; times?: Expression; every?: Limit } = {};
    let conjunction: Token | undefined;
    while (!this.atEndOfStatement("expression")) {
      const token = this.peek("expression");
      const word = token.kind === "word" ? bareText(token.word) : undefined;
      if (word === "every") {
        this.next("expression");
        if (limits.every) throw this.error(token.position, "a try has at most one 'every'");
        limits.every = this.parseLimit(true);
        break;
      }
      if ((word === "for" || word === "or") && !conjunction) {
        conjunction = this.next("expression");
        continue;
      }
      conjunction = undefined;
      this.parseTryLimit(limits, token.position);
    }
    if (conjunction) throw this.error(conjunction.position, "expected a limit after 'for' or 'or'");
    this.expectEndOfStatement("expression", "after the try header");
    const { statements: body, terminator } = this.parseBody("try", position, ["catch", "end"]);
    let catchBody: Statement[] | undefined;
    if (terminator === "catch") {
      this.expectEndOfStatement("command", "after 'catch'");
      catchBody = this.parseBody("try", position, ["end"]).statements;
    }
    this.expectEndOfStatement("command", "after 'end'");
    return { kind: "try", ...limits, body, catchBody, position };
  }

  private parseTryLimit(limits: { forTime?: Limit; times?: Expression }, position: Position): void {
    const limit = this.parseLimit(false);
    if (limit.unitMs === 0) {
      if (limits.times) throw this.error(position, "a try has at most one 'times' limit");
      limits.times = limit.amount;
    } else {
      if (limits.forTime) throw this.error(position, "a try has at most one time limit");
      limits.forTime = limit;
    }
  }

  /** `N times` (unitMs 0) or `N seconds|minutes|hours|days`. */
  private parseLimit(timeOnly: boolean): Limit {
    const amount = this.expressions.parse();
    const token = this.next("expression");
    const unit = token.kind === "word" ? bareText(token.word) : undefined;
    if (unit !== undefined && timeUnitsMs[unit] !== undefined) return this.checkedLimit({ amount, unitMs: timeUnitsMs[unit] });
    if (!timeOnly && (unit === "times" || unit === "time")) return this.checkedLimit({ amount, unitMs: 0 });
    const expected = timeOnly ? "'seconds', 'minutes', 'hours' or 'days'" : "'times', 'seconds', 'minutes', 'hours' or 'days'";
    throw this.error(token.position, `expected ${expected} after the amount, found ${describe(token)}`);
  }

  /**
   * A limit written as a plain number is checked here, so `skein ftsh -p` catches `try 0 times`
   * before anything runs; a computed amount is checked when its try starts, with the same words.
   */
  private checkedLimit(limit: Limit): Limit {
    const text = limit.amount.kind === "literal" ? bareText(limit.amount.word) : undefined;
    if (text === undefined) return limit;
    if (!/^[-+]?[0-9]+$/.test(text)) throw this.error(limit.amount.position, `expected an integer but got '${text}'`);
    const amount = BigInt(text);
    if (limit.unitMs === 0) {
      if (amount < 1n || amount > BigInt(tryTimesMax)) throw this.error(limit.amount.position, `times must be between 1 and ${tryTimesMax}, got ${amount}`);
    } else {
      const ms = amount * BigInt(limit.unitMs);
      if (ms < 1n || ms > BigInt(tryDurationMsMax)) throw this.error(limit.amount.position, `durations must be positive and at most 366 days, got ${amount}`);
    }
    return limit;
  }

  private parseFor(mode: "for" | "forany" | "forall", position: Position): Statement {
    const nameToken = this.next("command");
    const variable = nameToken.kind === "word" ? bareText(nameToken.word) : undefined;
    if (variable === undefined || !isAssignableName(variable)) {
      throw this.error(nameToken.position, `expected a variable name after '${mode}', found ${describe(nameToken)}`);
    }
    const inToken = this.next("command");
    if (inToken.kind !== "word" || bareText(inToken.word) !== "in") {
      throw this.error(inToken.position, `expected 'in' after '${mode} ${variable}', found ${describe(inToken)}`);
    }
    const items: Expression[] = [];
    while (!this.atEndOfStatement("expression")) {
      if (this.peek("expression").kind === "comma") {
        this.next("expression");
        continue;
      }
      items.push(this.expressions.parse());
    }
    if (items.length === 0) throw this.error(inToken.position, `expected a list of items after 'in'`);
    this.expectEndOfStatement("expression", "after the list");
    const outerForall = this.enclosingForall;
    if (mode === "forall") this.enclosingForall = position;
    const body = this.parseBody(mode, position, ["end"]).statements;
    this.enclosingForall = outerForall;
    this.expectEndOfStatement("command", "after 'end'");
    return { kind: "for", mode, variable, items, body, position };
  }

  private parseWhile(position: Position): Statement {
    const condition = this.parseCondition("while");
    const body = this.parseBody("while", position, ["end"]).statements;
    this.expectEndOfStatement("command", "after 'end'");
    return { kind: "while", condition, body, position };
  }

  /**
   * `if … else if … else … end`. An else-if chain is read in a loop, not by recursion, so a long
   * chain is as flat as it looks (it counted against the nesting limit, one level per arm).
   */
  private parseIf(position: Position): Statement {
    const arms: Array<{ condition: Expression; thenBody: Statement[]; position: Position }> = [];
    let armPosition = position;
    let elseBody: Statement[] | undefined;
    for (;;) {
      const condition = this.parseCondition("if");
      const { statements: thenBody, terminator } = this.parseBody("if", armPosition, ["else", "end"]);
      arms.push({ condition, thenBody, position: armPosition });
      if (terminator === "end") break;
      const following = this.peek("command");
      if (following.kind === "word" && bareText(following.word) === "if") {
        this.next("command");
        armPosition = following.position;
        continue;
      }
      this.expectEndOfStatement("command", "after 'else'");
      elseBody = this.parseBody("if", armPosition, ["end"]).statements;
      break;
    }
    this.expectEndOfStatement("command", "after 'end'");
    let statement: Statement | undefined;
    for (const arm of arms.reverse()) {
      const otherwise = statement ? [statement] : elseBody;
      statement = { kind: "if", condition: arm.condition, thenBody: arm.thenBody, elseBody: otherwise, position: arm.position };
    }
    return statement!;
  }

  private parseCondition(keyword: string): Expression {
    if (this.atEndOfStatement("expression")) {
      throw this.error(this.peek("expression").position, `expected a condition after '${keyword}'`);
    }
    const condition = this.expressions.parse();
    this.expectEndOfStatement("expression", "after the condition (to test a command, use try … catch)");
    return condition;
  }

  private parseReturn(position: Position): Statement {
    if (this.functionDepth === 0) throw this.error(position, "'return' outside a function");
    if (this.enclosingForall) {
      throw this.error(
        position,
        `'return' inside the forall of line ${this.enclosingForall.line}: a branch cannot return from the function while its siblings run; end the branch with success or failure, and return after the forall`,
      );
    }
    if (this.atEndOfStatement("expression")) throw this.error(position, "'return' needs a value");
    const value = this.expressions.parse();
    this.expectEndOfStatement("expression", "after the return value");
    return { kind: "return", value, position };
  }

  private parseShift(position: Position): Statement {
    const count = this.atEndOfStatement("expression") ? undefined : this.expressions.parse();
    this.expectEndOfStatement("expression", "after 'shift'");
    return { kind: "shift", count, position };
  }

  private parseBody(keyword: string, position: Position, terminators: string[]) {
    this.enter(position);
    const block = this.parseBlock(terminators, { keyword, position });
    this.leave();
    return block;
  }

  private atEndOfStatement(mode: LexMode): boolean {
    const kind = this.peek(mode).kind;
    return kind === "end-of-statement" || kind === "end-of-file";
  }

  private expectEndOfStatement(mode: LexMode, where: string): void {
    const token = this.next(mode);
    if (token.kind !== "end-of-statement" && token.kind !== "end-of-file") {
      throw this.error(token.position, `unexpected ${describe(token)} ${where}`);
    }
  }
}
