/**
 * Expression evaluation. Every value is a string; arithmetic and the ordering comparisons read
 * integers, `.eq.`/`.ne.` compare text, and booleans are the words "true" and "false". A value
 * of the wrong kind, a division by zero or an overflow is a failure of the statement (never a
 * crash), reported at the operator's position.
 */
import type { BinaryOperator, Expression, UnaryOperator } from "../language/ast.ts";
import { listItemsMax } from "../language/limits.ts";
import { type ExpansionScope, expandToFields, expandToString } from "./expand.ts";
import { ScriptFailure } from "./failure.ts";
import type { FileTest, ShellHost } from "./host.ts";

export interface EvaluationContext extends ExpansionScope {
  host: ShellHost;
  /** Calls a script function in expression context and resolves to its return value. */
  callFunction(name: string, args: string[], expression: Expression): Promise<string>;
  /** Resolves a path against the script's working directory. */
  resolvePath(path: string): string;
}

type Integer = bigint;
const safeMax = 2n ** 63n - 1n; // the original's C long

export async function evaluate(expression: Expression, context: EvaluationContext): Promise<string> {
  switch (expression.kind) {
    case "literal":
      return expandToString(expression.word, context);
    case "binary":
      return evaluateBinary(expression, context);
    case "unary":
      return evaluateUnary(expression.operator, expression.operand, expression, context);
    case "range":
      return (await evaluateRange(expression, context)).join(" ");
    case "call": {
      const args: string[] = [];
      for (const argument of expression.args) args.push(await evaluate(argument, context));
      return context.callFunction(expression.name, args, expression);
    }
  }
}

/** A `for` list: words split into fields, ranges into numbers, other values at blanks. */
export async function evaluateList(items: Expression[], context: EvaluationContext): Promise<string[]> {
  const values: string[] = [];
  for (const item of items) {
    if (item.kind === "literal") values.push(...expandToFields(item.word, context));
    else if (item.kind === "range") values.push(...(await evaluateRange(item, context)));
    else values.push(...(await evaluate(item, context)).split(/[ \t\n]+/).filter((v) => v !== ""));
    if (values.length > listItemsMax) throw new ScriptFailure(item.position, `list has more than ${listItemsMax} items`);
  }
  return values;
}

export async function evaluateInteger(expression: Expression, context: EvaluationContext): Promise<Integer> {
  const value = (await evaluate(expression, context)).trim();
  if (!/^[-+]?[0-9]+$/.test(value)) {
    throw new ScriptFailure(expression.position, `expected an integer but got '${value}'`);
  }
  return checkRange(BigInt(value), expression);
}

export async function evaluateBoolean(expression: Expression, context: EvaluationContext): Promise<boolean> {
  const value = await evaluate(expression, context);
  if (value === "true") return true;
  if (value === "false") return false;
  throw new ScriptFailure(expression.position, `expected 'true' or 'false' but got '${value}'`);
}

function checkRange(value: Integer, expression: Expression): Integer {
  if (value > safeMax || value < -safeMax - 1n) throw new ScriptFailure(expression.position, "integer overflow");
  return value;
}

const integerOperators: Partial<Record<BinaryOperator, (a: Integer, b: Integer, e: Expression) => Integer | boolean>> = {
  ".add.": (a, b) => a + b,
  ".sub.": (a, b) => a - b,
  ".mul.": (a, b) => a * b,
  ".div.": (a, b, e) => (b === 0n ? divisionByZero(e) : a / b),
  ".mod.": (a, b, e) => (b === 0n ? divisionByZero(e) : a % b),
  ".pow.": (a, b, e) => power(a, b, e),
  ".eql.": (a, b) => a === b,
  ".neql.": (a, b) => a !== b,
  ".lt.": (a, b) => a < b,
  ".le.": (a, b) => a <= b,
  ".gt.": (a, b) => a > b,
  ".ge.": (a, b) => a >= b,
};

function divisionByZero(expression: Expression): never {
  throw new ScriptFailure(expression.position, "division by zero");
}

function power(base: Integer, exponent: Integer, expression: Expression): Integer {
  if (exponent < 0n) throw new ScriptFailure(expression.position, "negative exponent");
  // 0, 1 and -1 never grow, so a huge exponent is answered at once; any other base overflows
  // 64 bits within 64 multiplications.
  if (exponent === 0n) return 1n;
  if (base === 0n || base === 1n) return base;
  if (base === -1n) return exponent % 2n === 0n ? 1n : -1n;
  let result = 1n;
  for (let i = 0n; i < exponent; i++) result = checkRange(result * base, expression);
  return result;
}

async function evaluateBinary(expression: Expression & { kind: "binary" }, context: EvaluationContext): Promise<string> {
  const { operator, left, right } = expression;
  if (operator === ".eq." || operator === ".ne.") {
    const equal = (await evaluate(left, context)) === (await evaluate(right, context));
    return String(operator === ".eq." ? equal : !equal);
  }
  if (operator === ".and." || operator === ".or.") {
    const a = await evaluateBoolean(left, context);
    const b = await evaluateBoolean(right, context);
    return String(operator === ".and." ? a && b : a || b);
  }
  const compute = integerOperators[operator]!;
  const result = compute(await evaluateInteger(left, context), await evaluateInteger(right, context), expression);
  return typeof result === "boolean" ? String(result) : String(checkRange(result, expression));
}

async function evaluateUnary(
  operator: UnaryOperator,
  operand: Expression,
  expression: Expression,
  context: EvaluationContext,
): Promise<string> {
  if (operator === ".not.") return String(!(await evaluateBoolean(operand, context)));
  const text = await evaluate(operand, context);
  // no file has an empty name (stat("") is ENOENT); resolved, it would test the working directory
  if (text === "") return "false";
  const path = context.resolvePath(text);
  const test = operator.slice(1, -1) as FileTest;
  try {
    return String(await context.host.testFile(test, path));
  } catch (error) {
    throw new ScriptFailure(expression.position, `${operator} ${path}: ${(error as Error).message}`);
  }
}

async function evaluateRange(expression: Expression & { kind: "range" }, context: EvaluationContext): Promise<string[]> {
  const from = await evaluateInteger(expression.from, context);
  const to = await evaluateInteger(expression.to, context);
  const step = expression.step ? await evaluateInteger(expression.step, context) : 1n;
  if (step <= 0n) throw new ScriptFailure(expression.position, `.step. must be a positive integer, got ${step}`);
  const count = (from <= to ? to - from : from - to) / step + 1n;
  if (count > BigInt(listItemsMax)) {
    throw new ScriptFailure(expression.position, `range has ${count} items; the limit is ${listItemsMax}`);
  }
  const direction = from <= to ? step : -step;
  return Array.from({ length: Number(count) }, (_, i) => String(from + direction * BigInt(i)));
}
