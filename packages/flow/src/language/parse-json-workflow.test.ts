import assert from "node:assert/strict";
import { test } from "node:test";
import { parseWorkflow } from "./parse-workflow.ts";

const parse = (text: string) => parseWorkflow(text, { file: "w.json", environment: { MEMORY: "800" } });

test("json: rules with command, inputs, outputs, local flag, categories and environment", () => {
  const workflow = parse(JSON.stringify({
    environment: { A: "1" },
    categories: { big: { resources: { cores: 2, disk: 10 } } },
    rules: [
      { command: "sort in > out", inputs: ["in", { dag_name: "tool", task_name: "t" }], outputs: ["out"], category: "big" },
      { command: "cp out copy", inputs: ["out"], outputs: ["copy"], local_job: true, environment: { B: "2" } },
    ],
  }, null, 2));
  const [first, second] = workflow.rules;
  assert.deepEqual(first!.sources.map((s) => [s.path, s.remoteName]), [["in", "in"], ["tool", "t"]]);
  assert.deepEqual(first!.resources, { memoryMb: 800, cores: 2, diskMb: 10 });
  assert.equal(first!.category, "big");
  assert.deepEqual(second!.environment, { A: "1", B: "2" });
  assert.equal(second!.local, true);
});

test("json error: a syntax error names line and column", () => {
  assert.throws(() => parse('{\n  "rules": [\n    { "command": "x", }\n  ]\n}'), /^WorkflowError: w\.json:3:23: expected a quoted key/);
});

test("json error: an unknown key in a rule", () => {
  assert.throws(() => parse('{"rules": [{"command": "x", "outputs": ["o"], "inptus": []}]}'), /^WorkflowError: w\.json:1:47: unknown key 'inptus' in a rule/);
});

test("json error: a rule without outputs", () => {
  assert.throws(() => parse('{"rules": [{"command": "x"}]}'), /^WorkflowError: w\.json:1:12: a rule needs at least one entry in "outputs"/);
});

test("json error: unterminated string and deep nesting do not crash", () => {
  assert.throws(() => parse('{"rules": ["abc'), /unterminated string/);
  assert.throws(() => parse(`{"rules": ${"[".repeat(10_000)}`), /nested deeper than 512/);
});
