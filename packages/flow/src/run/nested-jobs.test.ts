// With `-j N`, the commands of a run and of every workflow nested in it share N: real
// processes count how many run at once (a directory each while it runs, as a lock would).
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-flow-nested-jobs-");

/**
 * A rule whose command marks itself running (mkdir), notes how many run with it, then waits
 * until three run at once or about a second has passed, so a run over budget is seen, not
 * raced past; the count is never above how many really ran at once.
 */
const counted = (target: string) =>
  `${target}:\n\tmkdir running/${target}; ls running | wc -l >> counts; i=0; while [ $$(ls running | wc -l) -lt 3 ] && [ $$i -lt 10 ]; do sleep 0.1; i=$$((i+1)); done; rmdir running/${target}; touch ${target}\n`;

/** A workspace with an empty `running` directory. */
function counting(files: Record<string, string>): string {
  const root = workspace(files);
  mkdirSync(join(root, "running"));
  return root;
}

/** A workflow of two MAKEFLOW rules, a.mf and b.mf, each nesting two rules written by `rule` (a1 a2, b1 b2). */
function twoNestedRuns(rule: (target: string) => string): string {
  return counting({
    "w.mf": "a: a.mf\n\tMAKEFLOW a.mf\nb: b.mf\n\tMAKEFLOW b.mf\n",
    "a.mf": `${rule("a1")}${rule("a2")}a: a1 a2\n\ttouch a\n`,
    "b.mf": `${rule("b1")}${rule("b2")}b: b1 b2\n\ttouch b\n`,
  });
}

const peak = (root: string) => Math.max(...readFileSync(join(root, "counts"), "utf8").trim().split("\n").map(Number));

test("nested jobs: under -j 2, two nested runs of two rules each run at most 2 commands at once in all (not 2 each)", { timeout: 60_000 }, async () => {
  const root = twoNestedRuns(counted);
  const result = await runIn(root, { jobs: 2 });
  assert.equal(result.code, 0, result.err);
  assert.ok(peak(root) <= 2, `${peak(root)} commands ran at once under -j 2: ${readFileSync(join(root, "counts"), "utf8")}`);
});

test("nested jobs: -j 1 with a workflow nested three deep, each level with rules of its own, runs to the end one command at a time", { timeout: 60_000 }, async () => {
  const root = counting({
    "w.mf": `${counted("t1")}top: mid.mf t1\n\tMAKEFLOW mid.mf\n`,
    "mid.mf": `${counted("m1")}top: leaf.mf m1\n\tMAKEFLOW leaf.mf\n${counted("m2")}`,
    "leaf.mf": `${counted("l1")}${counted("l2")}top: l1 l2\n\ttouch top\n`,
  });
  const result = await runIn(root, { jobs: 1 });
  assert.equal(result.code, 0, result.err);
  assert.equal(peak(root), 1, readFileSync(join(root, "counts"), "utf8"));
});

test("nested jobs: under -j 2, two nested runs of CORES=2 rules run one such command at a time in all (2 cores' worth, not 4)", { timeout: 60_000 }, async () => {
  const root = twoNestedRuns((target) => `CATEGORY=big\nCORES=2\n${counted(target)}`);
  const result = await runIn(root, { jobs: 2 });
  assert.equal(result.code, 0, result.err);
  assert.equal(peak(root), 1, `CORES=2 commands at once under -j 2: ${readFileSync(join(root, "counts"), "utf8")}`);
});
