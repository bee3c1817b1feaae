/**
 * The syntax tree of an ftsh script. A script is parsed whole before anything runs, so every
 * node carries the position the interpreter reports when that part fails.
 */
import type { Position } from "./syntax-error.ts";

export type { Position };

/** `$name`, `${name}`, `$(name)`, `$1`, `$#`, `$*`, `$@`, `$$`. */
export type VariableName = string;

/** A piece of a word: literal text, or a variable to expand. `quoted` parts are never split. */
export type WordPart =
  | { kind: "literal"; text: string; quoted: boolean }
  | { kind: "variable"; name: VariableName; quoted: boolean };

/** One shell word as written: `http://$server/myfile` is a literal, a variable and a literal. */
export interface Word {
  parts: WordPart[];
  position: Position;
}

/** Redirection of one of the first three file descriptors. */
export type Redirect =
  | { kind: "file"; fd: 0 | 1 | 2; mode: "input" | "output" | "append"; target: Word; position: Position }
  | { kind: "variable"; fd: 0 | 1 | 2; mode: "input" | "output" | "append"; target: Word; position: Position }
  | { kind: "duplicate"; fd: 1 | 2; target: Word; position: Position };

export type BinaryOperator =
  | ".add."
  | ".sub."
  | ".mul."
  | ".div."
  | ".mod."
  | ".pow."
  | ".eq."
  | ".ne."
  | ".eql."
  | ".neql."
  | ".lt."
  | ".le."
  | ".gt."
  | ".ge."
  | ".and."
  | ".or.";

export type UnaryOperator =
  | ".not."
  | ".exists."
  | ".isr."
  | ".isw."
  | ".isx."
  | ".isblock."
  | ".ischar."
  | ".isdir."
  | ".isfile."
  | ".islink."
  | ".ispipe."
  | ".issock.";

/** Expressions compute a string value (numbers and the booleans "true"/"false" are strings). */
export type Expression =
  | { kind: "literal"; word: Word; position: Position }
  | { kind: "binary"; operator: BinaryOperator; left: Expression; right: Expression; position: Position }
  | { kind: "unary"; operator: UnaryOperator; operand: Expression; position: Position }
  | { kind: "range"; from: Expression; to: Expression; step?: Expression; position: Position }
  | { kind: "call"; name: string; args: Expression[]; position: Position };

/** A `try` limit: an amount and its unit in ms (1 for `times`). */
export interface Limit {
  amount: Expression;
  unitMs: number;
}

export interface SimpleCommand {
  kind: "command";
  words: Word[];
  redirects: Redirect[];
  position: Position;
}

export interface FunctionDefinition {
  kind: "function";
  name: string;
  body: Statement[];
  position: Position;
}

export type Statement =
  | SimpleCommand
  | FunctionDefinition
  | { kind: "assign"; name: string; value: Expression | undefined; position: Position }
  | {
      kind: "try";
      forTime?: Limit;
      times?: Expression;
      every?: Limit;
      body: Statement[];
      catchBody?: Statement[];
      position: Position;
    }
  | { kind: "for"; mode: "for" | "forany" | "forall"; variable: string; items: Expression[]; body: Statement[]; position: Position }
  | { kind: "while"; condition: Expression; body: Statement[]; position: Position }
  | { kind: "if"; condition: Expression; thenBody: Statement[]; elseBody?: Statement[]; position: Position }
  | { kind: "return"; value: Expression; position: Position }
  | { kind: "shift"; count?: Expression; position: Position };

/** A parsed script: its top-level statements and its functions by name. */
export interface Script {
  file: string;
  statements: Statement[];
  functions: ReadonlyMap<string, FunctionDefinition>;
}
