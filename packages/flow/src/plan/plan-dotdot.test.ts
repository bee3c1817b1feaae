// A `..` after a name is kept as written (language/file-words.ts), so `a/../x` and `x` are two
// names, as upstream's: with `a` a symbolic link they are two files. Planning stays sane with it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { plan } from "./plan.ts";

const planText = (text: string, files: string[] = []) => plan(parseMakeflow(text, { file: "w.mf", directory: "/w" }), { exists: (path) => files.includes(path) });

test("plan: a source 'a/../in2' is looked up as written (with 'a' a link, it is not 'in2')", () => {
  assert.deepEqual(planText("o: a/../in2\n\tcat a/../in2 > o\n", ["a/../in2"]).dependencies, [[]]);
  assert.throws(() => planText("o: a/../in2\n\tcat a/../in2 > o\n", ["in2"]), /^WorkflowError: w\.mf:1:4: source 'a\/\.\.\/in2' is not made by any rule and does not exist$/);
});

test("plan: 'x' and 'a/../x' are two targets, as upstream's, not one made twice; 'x: a/../x' is no cycle", () => {
  const twice = planText("x:\n\techo 1 > x\na/../x:\n\techo 2 > a/../x\n");
  assert.deepEqual([...twice.producers], [["x", 0], ["a/../x", 1]]);
  assert.deepEqual(planText("x: a/../x\n\tcat a/../x > x\n", ["a/../x"]).dependencies, [[]]);
  // written the same way twice, it is still one target made by two rules
  assert.throws(() => planText("a/../x:\n\tone\n./a/../x:\n\ttwo\n"), /^WorkflowError: w\.mf:3:1: target 'a\/\.\.\/x' is made by two rules \(also at w\.mf:1:1\)$/);
});

test("plan: 'a/../x' waits for the rule making directory 'a' (the kernel goes through it)", () => {
  assert.deepEqual(planText("a:\n\tmkdir a\no: a/../in\n\tcat a/../in > o\n").dependencies, [[], [0]]);
  // and for the rule making it as written
  assert.deepEqual(planText("a/../in:\n\ttrue\no: a/../in\n\ttrue\n").dependencies, [[], [0]]);
});
