/**
 * Expressions, by precedence climbing, loosest first: `.to.`/`.step.`, `.or.`, `.and.`, the
 * comparisons (which do not chain), `.add.`/`.sub.`, `.mul.`/`.div.`/`.mod.`, the prefix
 * operators (`.not.`, the file tests), `.pow.`, then words, `(…)` and calls `name(a, b)`.
 * These are the original ftsh grammar's precedences.
 */
import type { BinaryOperator, Expression, UnaryOperator } from "./ast.ts";
import { bareText, type LexMode, type Token } from "./lexer.ts";
import { expressionOperatorsMax } from "./limits.ts";
import type { FtshSyntaxError, Position } from "./syntax-error.ts";

/** What the expression parser needs from the statement parser. */
export interface TokenSource {
  next(mode: LexMode): Token;
  peek(mode: LexMode): Token;
  error(position: Position, reason: string): FtshSyntaxError;
  enter(position: Position): void;
  leave(): void;
}

const comparisons: BinaryOperator[] = [".eq.", ".ne.", ".eql.", ".neql.", ".lt.", ".le.", ".gt.", ".ge."];
const binaryLevels: BinaryOperator[][] = [
  [".or."],
  [".and."],
  comparisons,
  [".add.", ".sub."],
  [".mul.", ".div.", ".mod."],
];
const unaryOperators = new Set<string>([
  ".not.",
  ".exists.",
  ".isr.",
  ".isw.",
  ".isx.",
  ".isblock.",
  ".ischar.",
  ".isdir.",
  ".isfile.",
  ".islink.",
  ".ispipe.",
  ".issock.",
]);
const allOperators = new Set<string>([...binaryLevels.flat(), ".pow.", ".to.", ".step.", ...unaryOperators]);

/** A short description of a token for error messages. */
export function describe(token: Token): string {
  switch (token.kind) {
    case "word":
      return `'${token.word.parts.map((p) => (p.kind === "literal" ? p.text : `$${p.name}`)).join("")}'`;
    case "redirect":
      return `'${token.fd ?? ""}${token.operator}'`;
    case "end-of-statement":
      return "end of line";
    case "end-of-file":
      return "end of file";
    case "left-paren":
      return "'('";
    case "right-paren":
      return "')'";
    case "comma":
      return "','";
  }
}

function operatorOf(token: Token): string | undefined {
  if (token.kind !== "word") return undefined;
  const text = bareText(token.word);
  return text !== undefined && allOperators.has(text) ? text : undefined;
}

export class ExpressionParser {
  /** `parse` calls under way (parentheses and call arguments nest them). */
  private parsing = 0;
  /** Operators read in the outermost expression being parsed. */
  private operators = 0;

  constructor(private readonly source: TokenSource) {}

  /** A full expression, ranges included. */
  parse(): Expression {
    if (this.parsing++ === 0) this.operators = 0;
    try {
      return this.parseRange();
    } finally {
      this.parsing--;
    }
  }

  private parseRange(): Expression {
    const from = this.parseLevel(0);
    if (operatorOf(this.source.peek("expression")) !== ".to.") return from;
    const position = this.nextOperator().position;
    const to = this.parseLevel(0);
    if (operatorOf(this.source.peek("expression")) !== ".step.") return { kind: "range", from, to, position };
    this.nextOperator();
    return { kind: "range", from, to, step: this.parseLevel(0), position };
  }

  /** Consumes an operator, counting it against `expressionOperatorsMax`. */
  private nextOperator(): Token {
    const token = this.source.next("expression");
    if (++this.operators > expressionOperatorsMax) {
      throw this.source.error(token.position, `an expression has more than ${expressionOperatorsMax} operators`);
    }
    return token;
  }

  private parseLevel(level: number): Expression {
    const operators = binaryLevels[level];
    if (!operators) return this.parseUnary();
    let left = this.parseLevel(level + 1);
    for (;;) {
      const token = this.source.peek("expression");
      const operator = operatorOf(token) as BinaryOperator | undefined;
      if (!operator || !operators.includes(operator)) return left;
      this.nextOperator();
      const right = this.parseLevel(level + 1);
      left = { kind: "binary", operator, left, right, position: token.position };
      if (operators === comparisons) {
        const following = this.source.peek("expression");
        if (comparisons.includes(operatorOf(following) as BinaryOperator)) {
          throw this.source.error(following.position, "comparisons do not chain; use parentheses and .and.");
        }
        return left;
      }
    }
  }

  private parseUnary(): Expression {
    const token = this.source.peek("expression");
    const operator = operatorOf(token);
    if (operator === undefined || !unaryOperators.has(operator)) return this.parsePower();
    this.nextOperator();
    this.source.enter(token.position);
    const operand = this.parseUnary();
    this.source.leave();
    return { kind: "unary", operator: operator as UnaryOperator, operand, position: token.position };
  }

  private parsePower(): Expression {
    let left = this.parsePrimary();
    for (;;) {
      const token = this.source.peek("expression");
      if (operatorOf(token) !== ".pow.") return left;
      this.nextOperator();
      left = { kind: "binary", operator: ".pow.", left, right: this.parsePrimary(), position: token.position };
    }
  }

  private parsePrimary(): Expression {
    const token = this.source.next("expression");
    if (token.kind === "left-paren") {
      this.source.enter(token.position);
      const inner = this.parse();
      this.expect("right-paren", "')' to close the '(' at " + `${token.position.line}:${token.position.column}`);
      this.source.leave();
      return inner;
    }
    if (token.kind !== "word") throw this.source.error(token.position, `expected a value, found ${describe(token)}`);
    const operator = operatorOf(token);
    if (operator) throw this.source.error(token.position, `expected a value before '${operator}'`);
    const following = this.source.peek("expression");
    if (following.kind === "left-paren" && !following.spaceBefore) return this.parseCall(token);
    return { kind: "literal", word: token.word, position: token.position };
  }

  private parseCall(nameToken: Token & { kind: "word" }): Expression {
    const name = bareText(nameToken.word);
    if (name === undefined || !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) {
      throw this.source.error(nameToken.position, `${describe(nameToken)} is not a function name`);
    }
    const open = this.source.next("expression");
    this.source.enter(open.position);
    const args: Expression[] = [];
    if (this.source.peek("expression").kind === "right-paren") {
      this.source.next("expression");
    } else {
      for (;;) {
        args.push(this.parse());
        const separator = this.source.next("expression");
        if (separator.kind === "right-paren") break;
        if (separator.kind !== "comma") {
          throw this.source.error(separator.position, `expected ',' or ')' in the call of ${name}, found ${describe(separator)}`);
        }
      }
    }
    this.source.leave();
    return { kind: "call", name, args, position: nameToken.position };
  }

  private expect(kind: Token["kind"], what: string): Token {
    const token = this.source.next("expression");
    if (token.kind !== kind) throw this.source.error(token.position, `expected ${what}, found ${describe(token)}`);
    return token;
  }
}
