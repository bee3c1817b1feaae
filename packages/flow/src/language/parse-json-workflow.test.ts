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
  // upstream's defaults (CATEGORY of a named category, resources, threads), then the workflow's and the rule's
  assert.deepEqual(first!.environment, { CATEGORY: "big", CORES: "2", MEMORY: "800", DISK: "10", OMP_NUM_THREADS: "2", A: "1" });
  assert.deepEqual(second!.environment, { CORES: "1", MEMORY: "800", OMP_NUM_THREADS: "1", A: "1", B: "2" });
  assert.equal(second!.local, true);
});

test("json error: a syntax error names line and column", () => {
  assert.throws(() => parse('{\n  "rules": [\n    { "command": "x", }\n  ]\n}'), /^WorkflowError: w\.json:3:23: expected a quoted key/);
});

test("json error: an unknown key in a rule", () => {
  assert.throws(() => parse('{"rules": [{"command": "x", "outputs": ["o"], "inptus": []}]}'), /^WorkflowError: w\.json:1:47: unknown key 'inptus' in a rule/);
});

test("json error: a rule without outputs", () => {
  assert.throws(() => parse('{"rules": [{"command": "x"}]}'), /^WorkflowError: w\.json:1:12: a rule needs at least one entry in "outputs" \(a rule.s outputs say whether it has run; for a check, make a stamp file: "outputs": \["checked"\]/);
});

test("json error: unterminated string and deep nesting do not crash", () => {
  assert.throws(() => parse('{"rules": ["abc'), /unterminated string/);
  assert.throws(() => parse(`{"rules": ${"[".repeat(10_000)}`), /nested deeper than 512/);
});

test("json: a leading byte order mark is skipped, and columns do not count it", () => {
  const workflow = parse('\uFEFF{"rules": [{"command": "x", "outputs": ["o"]}]}');
  assert.equal(workflow.rules[0]!.command, "x");
  assert.throws(() => parse('\uFEFF{"rules": [{"command": "x"}]}'), /^WorkflowError: w\.json:1:12: a rule needs at least one entry/);
});

test("json error: a duplicate key names the key and where it came first", () => {
  assert.throws(
    () => parse('{"rules": [],\n "rules": [{"command": "x", "outputs": ["o"]}]}'),
    /^WorkflowError: w\.json:2:2: duplicate key 'rules' in JSON object \(first at w\.json:1:2\)/,
  );
  assert.throws(() => parse('{"rules": [{"command": "x", "command": "y", "outputs": ["o"]}]}'), /^WorkflowError: w\.json:1:29: duplicate key 'command'/);
  assert.throws(() => parse('{"rules": [], "__proto__": {}}'), /^WorkflowError: w\.json:1:15: unknown key '__proto__' in a workflow/);
});

test("json: a file listed twice counts once; two files with one task name are an error", () => {
  const rule = (inputs: unknown, outputs: unknown = ["o"]) => JSON.stringify({ rules: [{ command: "x", inputs, outputs }] });
  const workflow = parse(rule(["a", "a", { dag_name: "b", task_name: "in" }], ["o", "o"]));
  assert.deepEqual(workflow.rules[0]!.sources.map((s) => [s.path, s.remoteName]), [["a", "a"], ["b", "in"]]);
  assert.deepEqual(workflow.rules[0]!.targets.map((s) => s.path), ["o"]);
  assert.throws(() => parse(rule([{ dag_name: "a.txt", task_name: "in" }, { dag_name: "b", task_name: "in" }])), /^WorkflowError: w\.json:1:74: remote name 'in' is given to both 'a\.txt' and 'b'/);
  assert.throws(() => parse(rule(["in"], [{ dag_name: "x", task_name: "in" }])), /remote name 'in' is given to both 'x' and 'in'/);
});

test("json: a top-level \"default_category\" is the category of rules that name none, and the fallback of the others, as upstream's", () => {
  // it was "unknown key 'default_category' in a workflow"
  const workflow = parse(JSON.stringify({
    default_category: "base",
    categories: { base: { resources: { cores: 2, disk: 5 } }, big: { resources: { cores: 8 } } },
    rules: [
      { command: "x", outputs: ["a"] },
      { command: "x", outputs: ["b"], category: "big" },
    ],
  }));
  assert.deepEqual(workflow.rules.map((r) => [r.category, r.resources]), [["base", { memoryMb: 800, cores: 2, diskMb: 5 }], ["big", { memoryMb: 800, cores: 8, diskMb: 5 }]]);
  assert.equal(workflow.rules[0]!.environment.CATEGORY, "base");
  assert.throws(() => parse('{"default_category": 1, "rules": []}'), /^WorkflowError: w\.json:1:2: "default_category" must be a non-empty string, not a number$/);
});

test("json error: upstream's \"allocation\" and \"args\" say what they are (they were 'unknown key')", () => {
  const rule = (extra: object) => JSON.stringify({ rules: [{ command: "x", outputs: ["o"], ...extra }] });
  assert.equal(parse(rule({ allocation: "first" })).rules.length, 1); // upstream's default: changes nothing
  assert.throws(() => parse(rule({ allocation: "max" })), /^WorkflowError: w\.json:1:42: "allocation": "max" \(upstream's retry of an auto-sized category with larger resources\) is not supported/);
  assert.throws(() => parse(rule({ allocation: "big" })), /^WorkflowError: w\.json:1:42: "allocation" must be "first", "max" or "error", as upstream reads it$/);
  const nested = JSON.stringify({ rules: [{ workflow: "sub.json", outputs: ["o"], args: { N: 1 } }] });
  assert.throws(() => parse(nested), /^WorkflowError: w\.json:1:\d+: "args" \(upstream's JX arguments of a nested workflow\) is not supported: skein reads plain JSON, without JX expressions to bind them to; write the values into the nested workflow$/);
  assert.throws(() => parse(rule({ args: {} })), /"args" .*\(and it goes with "workflow", not with "command"\)$/);
});
