import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMakeflow } from "./parse-makeflow.ts";

const parse = (text: string, environment: Record<string, string> = {}) => parseMakeflow(text, { file: "w.mf", environment });

test("export: one statement may name several variables, as upstream's 'export A B'; a comment may follow", () => {
  const { rules } = parse("export A B C # all three\nA=1\nB=2\na:\n\tcmd\n", { C: "env" });
  assert.deepEqual(rules[0]!.environment, { A: "1", B: "2", C: "env" });
});

test("export: a variable named export, or starting with it, is still an assignment", () => {
  const { rules } = parse("export=1\nexportX=2\na:\n\techo $(export) $(exportX)\n");
  assert.equal(rules[0]!.command, "echo 1 2");
  assert.deepEqual(rules[0]!.environment, {});
});

test("export error: no name, or a word that is not a name, is reported at the word", () => {
  assert.throws(() => parse("export # nothing\n"), /^WorkflowError: w\.mf:1:1: 'export' needs a variable name/);
  assert.throws(() => parse("export A x-y\n"), /^WorkflowError: w\.mf:1:10: cannot export 'x-y': not a variable name/);
});
