import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { workspaces } from "../../test/flow-run.ts";
import { nestedRuleCount } from "./nested-done.ts";

const workspace = workspaces("skein-nested-done-");

test("nested done: a nested workflow's rules are counted with its own nested ones, within the reading budget; past it, or unreadable, not at all", () => {
  const root = workspace({ "sub.mf": "a:\n\tMAKEFLOW leaf.mf\nb:\n\ttouch b\n", "leaf.mf": "x:\n\ttouch x\ny:\n\ttouch y\n", "bad.mf": "x: \n\tMAKEFLOW\n" });
  const init = { file: join(root, "w.mf"), environment: {} };
  const both = 33 + 24; // the two files' sizes
  // sub.mf's b, and leaf.mf's 2 rules for its MAKEFLOW rule a
  assert.equal(nestedRuleCount(root, { file: "sub.mf", directory: undefined }, init, { bytes: 1_000 }), 3);
  assert.equal(nestedRuleCount(root, { file: "sub.mf", directory: undefined }, init, { bytes: both }), 3);
  assert.equal(nestedRuleCount(root, { file: "sub.mf", directory: undefined }, init, { bytes: both - 1 }), 2, "leaf.mf past the budget: sub.mf's rules only, a as one");
  assert.equal(nestedRuleCount(root, { file: "sub.mf", directory: undefined }, init, { bytes: 10 }), undefined);
  assert.equal(nestedRuleCount(root, { file: "gone.mf", directory: undefined }, init, { bytes: 1_000 }), undefined);
  assert.equal(nestedRuleCount(root, { file: "bad.mf", directory: undefined }, init, { bytes: 1_000 }), undefined);
});
