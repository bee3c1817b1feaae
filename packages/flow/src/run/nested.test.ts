import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-flow-nested-");

test("nested: a workflow that nests itself fails at once with the reason, exit 1", { timeout: 30_000 }, async () => {
  const root = workspace({ "w.mf": "r.txt: w.mf\n\tMAKEFLOW w.mf\n" });
  const result = await runIn(root);
  assert.equal(result.code, 1);
  assert.match(result.err, /r\.txt: failed: nested workflow \S*\bw\.mf already runs around this rule, in .*: a workflow cannot nest itself/);
  assert.equal(result.err.match(/failed/g)?.length, 2, result.err); // the rule's failure and the stop: no recursion
});

test("nested: a cycle through two workflows (a nests b nests a) fails inside b, exit 1", { timeout: 30_000 }, async () => {
  const root = workspace({ "w.mf": "x: b.mf\n\tMAKEFLOW b.mf\n", "b.mf": "y: w.mf\n\tMAKEFLOW w.mf\n" });
  const result = await runIn(root);
  assert.equal(result.code, 1);
  assert.match(result.err, /y: failed: nested workflow \S*\bw\.mf already runs around this rule/);
  assert.match(result.err, /x: failed: nested workflow \S*\bb\.mf failed/);
});

test("nested: the same workflow file nested in other directories is not a cycle", async () => {
  const root = workspace({ "w.mf": "a/out: leaf.mf\n\tMAKEFLOW leaf.mf a\nb/out: leaf.mf\n\tMAKEFLOW leaf.mf b\n", "leaf.mf": "out:\n\techo leaf > out\n" });
  mkdirSync(join(root, "a"));
  mkdirSync(join(root, "b"));
  const result = await runIn(root);
  assert.equal(result.code, 0, result.err);
  assert.ok(existsSync(join(root, "a", "out")) && existsSync(join(root, "b", "out")));
});

test("nested: a nested rule whose workflow succeeds without making the rule's targets fails, naming them", async () => {
  const root = workspace({ "w.mf": "r.txt: inner.mf\n\tMAKEFLOW inner.mf\nafter: r.txt\n\tcat r.txt > after\n", "inner.mf": "other.txt:\n\techo o > other.txt\n" });
  const result = await runIn(root);
  assert.equal(result.code, 1);
  assert.match(result.err, /r\.txt: failed: the nested workflow \S*\binner\.mf succeeded but did not create r\.txt/);
  assert.ok(!existsSync(join(root, "after")));
  writeFileSync(join(root, "inner.mf"), "r.txt:\n\techo r > r.txt\n");
  const fixed = await runIn(root);
  assert.equal(fixed.code, 0, fixed.err);
  assert.ok(existsSync(join(root, "after")));
});

test("nested: a nested workflow retries with the run's --retry-delay and reads variables from the run's environment", { timeout: 30_000 }, async () => {
  const root = workspace({ "w.mf": "r.txt: inner.mf\n\tMAKEFLOW inner.mf\n", "inner.mf": "r.txt:\n\ttest -e tried && echo $(GREETING) > r.txt; touch tried; test -e r.txt\n" });
  const result = await runIn(root, { retryCount: 1, retryDelayMs: 0, environment: { GREETING: "hello from the run" } });
  assert.equal(result.code, 0, result.err);
  assert.match(result.err, /r\.txt: retrying: exit code 1; retry in 0 ms/);
  assert.equal(readFileSync(join(root, "r.txt"), "utf8"), "hello from the run\n");
});
