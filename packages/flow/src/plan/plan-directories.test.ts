import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { plan } from "./plan.ts";

test("plan: 20 000 rules making files in a directory they all list as a source plan in linear time", () => {
  const count = 20_000;
  let text = "d:\n\tmkdir d\n";
  for (let i = 0; i < count; i++) text += `d/o${i}: d in\n\tcmd\n`;
  text += "d/sum: d\n\tcmd\nlist: in\n\tcmd\nall: d\n\tcmd\n";
  const workflow = parseMakeflow(text, { file: "w.mf" });
  const started = process.hrtime.bigint();
  const result = plan(workflow, { exists: (path) => path === "in" });
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  // each d/o_i needs d only (not its peers); `all` needs every rule making d or a file inside it
  assert.deepEqual(result.dependencies[1], [0]);
  assert.deepEqual(result.dependencies[count + 1], [0]);
  assert.equal(result.dependencies[count + 3]!.length, count + 2);
  // each rule scanned every rule inside d for a peer: ≈ 8 s for 20 000 (quadratic); now ≈ 0.1 s
  assert.ok(elapsedMs < 3000, `took ${elapsedMs.toFixed(0)} ms`);
});

test("plan: a peer inside a directory still waits for the rules inside it that do not list it", () => {
  const result = plan(parseMakeflow("d/a:\n\tcmd\nd/b: d\n\tcmd\nd/c: d\n\tcmd\nx: .\n\tcmd\ny: .\n\tcmd\n", { file: "w.mf" }), { exists: () => false });
  assert.deepEqual(result.dependencies, [[], [0], [0], [0, 1, 2], [0, 1, 2]]);
});

test("plan: a source inside the directory its own rule makes is an error naming it, or a plain source if it exists", () => {
  // 'd: d/x' was "the rules form a cycle: d -> d"
  const workflow = parseMakeflow("d: d/x\n\tmkdir -p d && touch d/x\n", { file: "w.mf" });
  assert.throws(() => plan(workflow, { exists: () => false }), /^WorkflowError: w\.mf:1:4: source 'd\/x' is inside a directory this rule makes, and no other rule makes it/);
  assert.deepEqual(plan(workflow, { exists: (path) => path === "d/x" }).dependencies, [[]]);
  // made by a rule of its own, it is that rule's target as before
  const two = plan(parseMakeflow("d/x:\n\tcmd\nd: d/x\n\tcmd\n", { file: "w.mf" }), { exists: () => false });
  assert.deepEqual(two.dependencies, [[], [0]]);
});
