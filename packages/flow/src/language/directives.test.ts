import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMakeflow } from "./parse-makeflow.ts";

const parse = (text: string, environment: Record<string, string> = {}) => parseMakeflow(text, { file: "w.mf", environment });

test("directives: an unindented .MAKEFLOW between a rule and its command is the rule's own, as upstream reads it", () => {
  const { rules } = parse(".MAKEFLOW CORES 2\na:\n.MAKEFLOW CORES 4\n.MAKEFLOW CATEGORY big\n.SIZE in 10\n\tcmd\nb:\n\tcmd\n");
  assert.deepEqual(rules.map((r) => [r.category, r.resources]), [["big", { cores: 4 }], ["default", { cores: 2 }]]);
});

test("directives error: a bad directive value is reported where the value is written", () => {
  assert.throws(() => parse("E=\n.MAKEFLOW CORES $(E)\n"), /^WorkflowError: w\.mf:2:17: CORES must be a non-negative number, written in decimal without a unit, not ''/);
  assert.throws(() => parse("a:\n\t.MAKEFLOW MEMORY lots\n\tcmd\n"), /^WorkflowError: w\.mf:2:19: MEMORY must be a non-negative number/);
  assert.throws(() => parse("a:\n.MAKEFLOW MODE max\n\tcmd\n"), /^WorkflowError: w\.mf:2:1: '\.MAKEFLOW MODE' applies to a category/);
});

test("directives: a comment after a directive is not one of its values", () => {
  // '.MAKEFLOW CORES 2 # two' said "takes exactly one value"
  const { rules, sizeHints } = parse('.MAKEFLOW CORES 2 # two cores\n.SIZE f 10 # bytes\n.MAKEFLOW CATEGORY "a#b"\na:\n\t.MAKEFLOW MEMORY 4 # MB\n\tcmd\n');
  assert.deepEqual([rules[0]!.category, rules[0]!.resources], ["a#b", { cores: 2, memoryMb: 4 }]);
  assert.equal(sizeHints.get("f"), 10);
});

test("directives: allocation modes are read in upstream's upper case too", () => {
  // upstream accepts only MAX_THROUGHPUT, MIN_WASTE and FIXED; they were 'unknown allocation mode'
  const { categories } = parse(".MAKEFLOW CATEGORY a\n.MAKEFLOW MODE MAX_THROUGHPUT\n.MAKEFLOW CATEGORY b\n.MAKEFLOW MODE min_waste\n");
  assert.deepEqual([categories.get("a")!.mode, categories.get("b")!.mode], ["max_throughput", "min_waste"]);
  assert.throws(() => parse(".MAKEFLOW MODE greedy\n"), /^WorkflowError: w\.mf:1:16: unknown allocation mode 'greedy'/);
});

test("directives error: older upstream's .RESOURCE says what to write", () => {
  // it was "unknown directive '.RESOURCE' (no phony or special targets in Makeflow)"
  assert.throws(() => parse(".RESOURCE MEMORY 50\n"), /^WorkflowError: w\.mf:1:1: '\.RESOURCE' is older Makeflow's: write '\.MAKEFLOW MEMORY value'$/);
});

test("directives error: .RESOURCE inside a rule, indented or not, is the same error (indented, it ran as a command)", () => {
  assert.throws(() => parse("a:\n\t.RESOURCE CORES 2\n\tcmd\n"), /^WorkflowError: w\.mf:2:2: '\.RESOURCE' is older Makeflow's: write '\.MAKEFLOW CORES value'$/);
  assert.throws(() => parse("a:\n.RESOURCE CORES 2\n\tcmd\n"), /^WorkflowError: w\.mf:2:1: '\.RESOURCE' is older Makeflow's: write '\.MAKEFLOW CORES value'$/);
});
