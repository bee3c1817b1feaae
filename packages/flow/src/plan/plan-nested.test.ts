import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { plan } from "./plan.ts";

const planned = (text: string, present: string[]) => plan(parseMakeflow(text, { file: "w.mf", environment: {} }), { exists: (path) => present.includes(path) });

test("plan: 'MAKEFLOW file dir' reads the file relative to the workflow, as current upstream reads 'MAKEFLOW file'", () => {
  const { workflow } = planned("d/out: sub.mf\n\tMAKEFLOW sub.mf d\n", ["sub.mf", "d/sub.mf"]);
  assert.deepEqual(workflow.rules[0]!.nested, { file: "sub.mf", directory: "d" });
});

test("plan: older upstream's 'MAKEFLOW file dir' (the file inside dir) is read when only that file exists or is made", () => {
  // it said "source 'sub.mf' is not made by any rule and does not exist"
  const { workflow } = planned("d/out:\n\tMAKEFLOW sub.mf d\n", ["d/sub.mf"]);
  assert.deepEqual(workflow.rules[0]!.nested, { file: "d/sub.mf", directory: "d" });
  assert.deepEqual(workflow.rules[0]!.sources.map((s) => [s.path, s.location.line, s.location.column]), [["d/sub.mf", 2, 11]]);
  const made = planned("d/sub.mf: t\n\tcp t d/sub.mf\nd/out: d/sub.mf\n\tMAKEFLOW sub.mf d\n", ["t"]);
  assert.deepEqual(made.workflow.rules[1]!.nested, { file: "d/sub.mf", directory: "d" });
  assert.deepEqual(made.workflow.rules[1]!.sources.map((s) => s.path), ["d/sub.mf"]);
  assert.deepEqual(made.dependencies[1], [0]);
});

test("plan error: a nested file found in neither place names both", () => {
  assert.throws(() => planned("d/out:\n\tMAKEFLOW sub.mf d\n", []), /^WorkflowError: w\.mf:2:11: source 'sub\.mf' is not made by any rule and does not exist, nor does 'd\/sub\.mf' \(where older Makeflow read 'MAKEFLOW sub\.mf d'\)$/);
  assert.throws(() => planned("out:\n\tMAKEFLOW sub.mf\n", []), /^WorkflowError: w\.mf:2:11: source 'sub\.mf' is not made by any rule and does not exist$/);
});
