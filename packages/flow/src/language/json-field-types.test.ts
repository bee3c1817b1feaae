import assert from "node:assert/strict";
import { test } from "node:test";
import { parseWorkflow } from "./parse-workflow.ts";
import { type ErrorCase, testErrors } from "../../test/workflow-errors.ts";

const parse = (text: string) => parseWorkflow(text, { file: "w.json", environment: {} });
const rule = (fields: Record<string, unknown>) => JSON.stringify({ rules: [{ command: "x", outputs: ["o"], ...fields }] });

// Each wrong type is an error at the offending field, naming it, never a silent default or
// a String() of the value (a category named "[object Object]", a directory ignored).
const errors: ErrorCase[] = [
  ["a category that is not a string", rule({ category: { name: "big" } }), /^w\.json:1:42: "category" must be a non-empty string, not an object$/],
  ["a numeric category", rule({ category: 5 }), /^w\.json:1:42: "category" must be a non-empty string, not a number$/],
  ["local_job that is not a boolean", rule({ local_job: "yes" }), /^w\.json:1:42: "local_job" must be true or false$/],
  ["a directory that is not a string", JSON.stringify({ rules: [{ workflow: "s.mf", outputs: ["o"], directory: 5 }] }), /^w\.json:1:46: "directory" must be a non-empty string, not a number$/],
  ["a directory with a command", rule({ directory: "d" }), /^w\.json:1:42: "directory" goes with "workflow"/],
  ["a command that is not a string", rule({ command: 5 }), /^w\.json:1:12: "command" must be a non-empty string, not a number$/],
  ["an empty output name", rule({ outputs: [""] }), /^w\.json:1:37: outputs\[0\] must be a file name \(a non-empty string\) or \{"dag_name"/],
  ["a numeric input", rule({ inputs: [7] }), /^w\.json:1:52: inputs\[0\] must be a file name/],
  ["an unknown key in a file object", rule({ inputs: [{ dag_name: "a", tsak_name: "b" }] }), /^w\.json:1:68: unknown key 'tsak_name' in inputs\[0\] \(dag_name, task_name\)$/],
  ["an infinite resource", '{"rules": [{"command": "x", "outputs": ["o"], "resources": {"cores": 1e999}}]}', /^w\.json:1:61: resource 'cores' must be a non-negative number$/],
  ["an unknown key in a category", JSON.stringify({ rules: [], categories: { big: { resources: {}, cores: 2 } } }), /^w\.json:1:49: unknown key 'cores' in category 'big' \(resources, environment\)$/],
  // it said 'a JSON workflow needs a "rules" array', at the "rules" it had
  ["rules that is an object", '{"rules": {}}', /^w\.json:1:2: "rules" must be an array, not an object$/],
  ["rules that is a string", '{"rules": "a.mf"}', /^w\.json:1:2: "rules" must be an array, not a string$/],
  ["no rules", '{"categories": {}}', /^w\.json:1:1: a JSON workflow needs a "rules" array$/],
  ["a workflow that is an array", '[{"command": "x"}]', /^w\.json:1:1: a JSON workflow must be an object, not an array$/],
  ["categories that is an array", JSON.stringify({ rules: [], categories: ["big"] }), /^w\.json:1:13: categories must be an object, not an array$/],
  ["an environment that is a string", JSON.stringify({ rules: [], environment: "X=1" }), /^w\.json:1:13: environment must be an object, not a string$/],
  ["an environment value that is null", JSON.stringify({ rules: [], environment: { X: null } }), /^w\.json:1:28: environment\.X must be a string, not null$/],
  ["a default_category that is empty", JSON.stringify({ rules: [], default_category: "" }), /^w\.json:1:13: "default_category" must be a non-empty string, not an empty string$/],
  ["outputs that is a string", rule({ outputs: "o" }), /^w\.json:1:26: outputs must be an array, not a string$/],
  // the last of two aliases silently won
  ["wall_time and wall-time together", rule({ resources: { "wall-time": 60, wall_time: 30 } }), /^w\.json:1:70: resources give both 'wall-time' and 'wall_time', two names of one resource: keep one$/],
  ["wall-time and wall_time in a category", JSON.stringify({ rules: [], categories: { c: { resources: { wall_time: 1, "wall-time": 2 } } } }), /^w\.json:1:59: resources give both 'wall_time' and 'wall-time'/],
  ["a define that is not an object", JSON.stringify({ define: ["N"], rules: [] }), /^w\.json:1:2: "define" \(names for JX expressions\) must be an object, not an array$/],
  ["a JX expression in a string's place", '{"rules": [{"command": "x", "outputs": ["out." + N]}]}', /^w\.json:1:48: expected ',' or '\]' in JSON array \(a JX expression\? skein reads plain JSON: evaluate JX first with upstream's jx2json\)$/],
  ["a JX comprehension", '{"rules": [{"command": "x", "outputs": ["o"]} for N in range(1, 3)]}', /^w\.json:1:47: expected ',' or '\]' in JSON array \(a JX expression\?/],
  ["a JX name in a value's place", '{"define": {"N": 3}, "rules": [{"command": N, "outputs": ["o"]}]}', /^w\.json:1:44: unexpected 'N' in JSON \(a JX expression\?/],
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
  assert.deepEqual([workflow.rules[1]!.environment.V0, workflow.rules[2]!.environment.V0, Object.keys(workflow.rules[1]!.environment).length], ["own", "0", 402]); // and CORES, OMP_NUM_THREADS
});

test("json: \"define\" (upstream's names for JX expressions) is read and changes nothing in plain JSON, as upstream's --json reads it", () => {
  const workflow = parse(JSON.stringify({ define: { N: 10, NAME: "x" }, rules: [{ command: "echo N > out", outputs: ["out"] }] }));
  assert.equal(workflow.rules[0]!.command, "echo N > out");
  assert.deepEqual(workflow.rules[0]!.environment, { CORES: "1", OMP_NUM_THREADS: "1" });
});

test("JSON fields error (upstream TR_makeflow_json_*, written in 2017's spelling): older upstream's file and nested-workflow keys are named with today's", () => {
  assert.throws(() => parse('{"rules": [{"command": "true", "outputs": [{"path": "A"}]}]}'), { message: "w.json:1:45: unknown key 'path' in outputs[0] (dag_name, task_name; 'path' is older Makeflow's, now 'dag_name')" });
  assert.throws(() => parse('{"rules": [{"command": "true", "outputs": ["o"], "inputs": [{"dag_name": "A", "execution_path": "a"}]}]}'), /unknown key 'execution_path' in inputs\[0\] \(dag_name, task_name; 'execution_path' is older Makeflow's, now 'task_name'\)$/);
  assert.throws(() => parse('{"rules": [{"makeflow": {"path": "sub.json"}, "outputs": ["x"]}]}'), { message: `w.json:1:13: unknown key 'makeflow' in a rule ('makeflow' is older Makeflow's, now '"workflow": file, "directory": dir')` });
});
