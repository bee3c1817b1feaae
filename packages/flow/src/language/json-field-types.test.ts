import assert from "node:assert/strict";
import { test } from "node:test";
import { parseWorkflow } from "./parse-workflow.ts";
import { type ErrorCase, testErrors } from "../../test/workflow-errors.ts";

const parse = (text: string) => parseWorkflow(text, { file: "w.json", environment: {} });
const rule = (fields: Record<string, unknown>) => JSON.stringify({ rules: [{ command: "x", outputs: ["o"], ...fields }] });

// Each wrong type is an error at the offending field, naming it, never a silent default or
// a String() of the value (a category named "[object Object]", a directory ignored).
const errors: ErrorCase[] = [
  ["a category that is not a string", rule({ category: { name: "big" } }), /^w\.json:1:42: "category" must be a non-empty string$/],
  ["a numeric category", rule({ category: 5 }), /^w\.json:1:42: "category" must be a non-empty string$/],
  ["local_job that is not a boolean", rule({ local_job: "yes" }), /^w\.json:1:42: "local_job" must be true or false$/],
  ["a directory that is not a string", JSON.stringify({ rules: [{ workflow: "s.mf", outputs: ["o"], directory: 5 }] }), /^w\.json:1:46: "directory" must be a non-empty string$/],
  ["a directory with a command", rule({ directory: "d" }), /^w\.json:1:42: "directory" goes with "workflow"/],
  ["a command that is not a string", rule({ command: 5 }), /^w\.json:1:12: "command" must be a non-empty string$/],
  ["an empty output name", rule({ outputs: [""] }), /^w\.json:1:37: outputs\[0\] must be a file name \(a non-empty string\) or \{"dag_name"/],
  ["a numeric input", rule({ inputs: [7] }), /^w\.json:1:52: inputs\[0\] must be a file name/],
  ["an unknown key in a file object", rule({ inputs: [{ dag_name: "a", tsak_name: "b" }] }), /^w\.json:1:68: unknown key 'tsak_name' in inputs\[0\] \(dag_name, task_name\)$/],
  ["an infinite resource", '{"rules": [{"command": "x", "outputs": ["o"], "resources": {"cores": 1e999}}]}', /^w\.json:1:61: resource 'cores' must be a non-negative number$/],
  ["an unknown key in a category", JSON.stringify({ rules: [], categories: { big: { resources: {}, cores: 2 } } }), /^w\.json:1:49: unknown key 'cores' in category 'big' \(resources\)$/],
  ["rules that is not an array", '{"rules": {}}', /^w\.json:1:2: a JSON workflow needs a "rules" array$/],
];
testErrors("json", parse, errors);

test("json: category, local_job and directory of the right types are read", () => {
  const workflow = parse(JSON.stringify({ rules: [{ workflow: "s.mf", directory: "./d/", outputs: ["o"], category: "big", local_job: false }] }));
  assert.deepEqual(workflow.rules[0]!.nested, { file: "s.mf", directory: "d" });
  assert.equal(workflow.rules[0]!.category, "big");
});

test("json: rules without their own environment share the workflow's (one object, not a copy of every variable per rule)", () => {
  const environment = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`V${i}`, `${i}`]));
  const rules = Array.from({ length: 20_000 }, (_, i) => ({ command: "x", outputs: [`o${i}`] }));
  rules[1] = { ...rules[1]!, environment: { V0: "own" } } as (typeof rules)[number];
  const workflow = parse(JSON.stringify({ environment, rules }));
  assert.equal(workflow.rules[0]!.environment, workflow.rules[2]!.environment);
  assert.deepEqual([workflow.rules[1]!.environment.V0, workflow.rules[2]!.environment.V0, Object.keys(workflow.rules[1]!.environment).length], ["own", "0", 400]);
});
