import assert from "node:assert/strict";
import { test } from "node:test";
import { plan } from "../plan/plan.ts";
import { parseMakeflow } from "./parse-makeflow.ts";

const parse = (text: string) => parseMakeflow(text, { file: "w.mf", environment: {} });
const planError = (text: string) => {
  try {
    plan(parse(text), { exists: () => false });
  } catch (error) {
    return (error as Error).message;
  }
  return "no error";
};

test("nested: a variable holding the whole 'MAKEFLOW file' line is a nested workflow (it crashed: reading 'offset')", () => {
  const { rules } = parse("X=MAKEFLOW sub.mf d\na:\n\t$(X)\n");
  assert.deepEqual(rules[0]!.nested, { file: "sub.mf", directory: "d" });
  assert.equal(planError("X=MAKEFLOW sub.mf\na:\n\t$(X)\n"), "w.mf:3:2: source 'sub.mf' is not made by any rule and does not exist");
});

test("nested: the workflow file's location is its word, after LOCAL and variables", () => {
  assert.equal(planError("a:\n\tLOCAL MAKEFLOW sub.mf\n"), "w.mf:2:17: source 'sub.mf' is not made by any rule and does not exist");
  assert.equal(planError("F=sub.mf\na:\n\tMAKEFLOW $(F) d\n"), "w.mf:3:11: source 'sub.mf' is not made by any rule and does not exist, nor does 'd/sub.mf' (where older Makeflow read 'MAKEFLOW sub.mf d')");
});

test("nested: LOCAL repeated (as from `$(X) LOCAL`) is one modifier, as upstream reads it", () => {
  const { rules } = parse("X=LOCAL\na:\n\t$(X) LOCAL touch a\n");
  assert.deepEqual([rules[0]!.local, rules[0]!.command], [true, "touch a"]);
});

test("nested error: an empty file or directory name", () => {
  assert.throws(() => parse('a:\n\tMAKEFLOW ""\n'), /^WorkflowError: w\.mf:2:2: a nested workflow reads 'MAKEFLOW file \[directory\]', not an empty name$/);
  assert.throws(() => parse("a:\n\tMAKEFLOW sub.mf ''\n"), /not an empty name$/);
});

test("nested: a comment may follow 'MAKEFLOW file [directory]'", () => {
  // it counted '#' and the comment's words as arguments: "a nested workflow reads …"
  const { rules } = parse("a:\n\tMAKEFLOW sub.mf d # the inner part\n");
  assert.deepEqual(rules[0]!.nested, { file: "sub.mf", directory: "d" });
});

test("local: a true BATCH_LOCAL (global, rule-local or from the environment) makes rules LOCAL, as upstream", () => {
  const { rules } = parse("a:\n\tcmd\nBATCH_LOCAL=yes\nb:\n\tcmd\nBATCH_LOCAL=0\nc:\n\tcmd\nd:\n@BATCH_LOCAL=1\n\tcmd\n");
  assert.deepEqual(rules.map((r) => r.local), [false, true, false, true]);
  const fromEnvironment = parseMakeflow("a:\n\tcmd\n", { file: "w.mf", environment: { BATCH_LOCAL: "TRUE" } });
  assert.equal(fromEnvironment.rules[0]!.local, true);
});

test("nested error: shell syntax after 'MAKEFLOW file' is refused at its column (it read 'sub.mf;' as the file)", () => {
  const message = /'MAKEFLOW file \[directory\]' alone, and other commands in rules of their own$/;
  assert.throws(() => parse("a: sub.mf\n\tMAKEFLOW sub.mf; echo done\n"), (error: Error) => error.message.startsWith("w.mf:2:17: ';' is shell syntax") && message.test(error.message));
  assert.throws(() => parse("a: sub.mf\n\tLOCAL MAKEFLOW sub.mf d && touch a\n"), /^WorkflowError: w\.mf:2:26: '&' is shell syntax/);
  assert.throws(() => parse("a: sub.mf\n\tMAKEFLOW sub.mf > log\n"), /^WorkflowError: w\.mf:2:18: '>' is shell syntax/);
  // from a variable: at the command
  assert.throws(() => parse("X=sub.mf|cat\na:\n\tMAKEFLOW $(X)\n"), /^WorkflowError: w\.mf:3:2: '\|' is shell syntax/);
  // quoted, it is part of a name
  assert.deepEqual(parse("a:\n\tMAKEFLOW 'sub;1.mf'\n").rules[0]!.nested, { file: "sub;1.mf", directory: undefined });
});
