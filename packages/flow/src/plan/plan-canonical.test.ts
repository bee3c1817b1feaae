// One file written two ways is one file in the DAG: an absolute path into the workflow's
// directory, or a `../<dir>/x` path that comes back into it, names the same file as `x`.
// Before, each spelling was a file of its own: two rules made `x` at once, `a: /w/err/b` did
// not wait for the rule making `b`, and cycles through such paths went unseen.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseJsonWorkflow } from "../language/parse-json-workflow.ts";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { ruleHash } from "../log/transaction-log.ts";
import { plan } from "./plan.ts";

const directory = "/w/err";
const parsed = (text: string) => parseMakeflow(text, { file: "M", environment: {}, directory });
const planned = (text: string, present: string[] = []) => plan(parsed(text), { exists: (path) => present.includes(path) });
const planError = (text: string, present: string[] = []) => {
  try {
    planned(text, present);
  } catch (error) {
    return (error as Error).message;
  }
  assert.fail("planned without an error");
};

test("plan: a target written as an absolute path into the workflow's directory, or as ../err/x, is the target 'x' made by two rules", () => {
  assert.equal(planError("x:\n\techo 1 > x\n/w/err/x:\n\techo 2 > x\n"), "M:3:1: target '/w/err/x' is made by two rules (also at M:1:1, as 'x')");
  assert.equal(planError("x:\n\techo 1 > x\n../err/x:\n\techo 2 > x\n"), "M:3:1: target '../err/x' is made by two rules (also at M:1:1, as 'x')");
  assert.equal(planError("/w/err/d/x:\n\techo 1\n./d//x:\n\techo 2\n"), "M:3:1: target 'd/x' is made by two rules (also at M:1:1, as '/w/err/d/x')");
});

test("plan: a source written as an absolute path waits for the rule making it, even when it does not exist yet", () => {
  const { dependencies, workflow } = planned("a: /w/err/b\n\tcat /w/err/b > a\nb:\n\tsleep 0.5; echo new > b\n");
  assert.deepEqual(dependencies, [[1], []]);
  assert.equal(workflow.rules[0]!.command, "cat /w/err/b > a", "the command is the user's");
  assert.deepEqual(planned("a: ../err/d/b\n\ttrue\nd/b:\n\ttrue\n").dependencies, [[1], []]);
  // a directory source written absolutely waits for the rules making files inside it
  assert.deepEqual(planned("all: /w/err/d\n\ttrue\nd/x:\n\ttrue\n").dependencies, [[1], []]);
});

test("plan: a cycle written through an absolute or ../ path is a cycle, not a missing source", () => {
  assert.equal(planError("a: /w/err/b\n\tcat b > a\nb: a\n\tcat a > b\n"), "M:1:1: the rules form a cycle (each is needed to make the next): a -> b -> a");
  assert.equal(planError("x: ../err/x\n\ttrue\n"), "M:1:1: the rules form a cycle (each is needed to make the next): x -> x");
  assert.equal(planError("x: /w/err/x\n\ttrue\n"), "M:1:1: the rules form a cycle (each is needed to make the next): x -> x");
  // the cycle names each rule's first target as written, not by its DAG name (/w/err/b)
  assert.equal(planError("../err/a: /w/err/b\n\tcat b > a\n/w/err/b: a\n\tcat a > b\n"), "M:1:1: the rules form a cycle (each is needed to make the next): ../err/a -> /w/err/b -> ../err/a");
});

test("plan: files outside the workflow's directory are named by their absolute path; one written two ways is one", () => {
  const { workflow } = planned("out: ../data/in /w/data/in\n\tcat ../data/in > out\n", ["/w/data/in"]);
  assert.deepEqual(
    workflow.rules[0]!.sources.map((s) => [s.path, s.written]),
    [["/w/data/in", "../data/in"]],
  );
  assert.equal(planError("out: ../data/in\n\ttrue\n"), "M:1:6: source '../data/in' is not made by any rule and does not exist");
});

test("plan: one file listed twice in one rule in two spellings counts once; renamed, it keeps its remote name", () => {
  const { workflow } = planned("x /w/err/x: y ../err/y\n\ttrue\ny:\n\ttrue\n");
  assert.deepEqual(workflow.rules[0]!.targets.map((t) => t.path), ["x"]);
  assert.deepEqual(workflow.rules[0]!.sources.map((s) => s.path), ["y"]);
  const renamed = planned("a: /w/err/b->b\n\tcat b > a\nb:\n\ttrue\n").workflow.rules[0]!.sources[0]!;
  assert.deepEqual([renamed.path, renamed.remoteName, renamed.written], ["b", "b", "/w/err/b"]);
  // unrenamed, the remote name is as written: a worker refuses an absolute name, as before
  const plain = planned("a: /w/err/b\n\tcat /w/err/b > a\nb:\n\ttrue\n").workflow.rules[0]!.sources[0]!;
  assert.deepEqual([plain.path, plain.remoteName], ["b", "/w/err/b"]);
  // many files (the map-based check) too
  const many = Array.from({ length: 20 }, (_, i) => `s${i}`).join(" ");
  const wide = planned(`x: ${many} /w/err/s3 ../err/s4\n\ttrue\n`, Array.from({ length: 20 }, (_, i) => `s${i}`));
  assert.equal(wide.workflow.rules[0]!.sources.length, 20);
});

test("plan: a nested workflow named by an absolute path is the rule's source, made by another rule", () => {
  const { workflow, dependencies } = planned("sub.mf:\n\techo > sub.mf\nout: /w/err/sub.mf\n\tMAKEFLOW /w/err/sub.mf\n");
  assert.deepEqual(workflow.rules[1]!.nested, { file: "sub.mf", directory: undefined, written: "/w/err/sub.mf" });
  assert.deepEqual(workflow.rules[1]!.sources.map((s) => s.path), ["sub.mf"]);
  assert.deepEqual(dependencies, [[], [0]]);
  // older upstream's reading (`cd d && makeflow ../d/sub.mf`) of a file written as it wrote it, outside;
  // `d/../d/sub.mf` as written: `d` may be a symbolic link, so it is not `d/sub.mf`
  const older = planned("d/out:\n\tMAKEFLOW ../d/sub.mf d\n", ["d/../d/sub.mf"]).workflow.rules[0]!;
  assert.deepEqual(older.nested, { file: "d/../d/sub.mf", directory: "d" });
  assert.deepEqual(older.sources.map((s) => s.path), ["d/../d/sub.mf"]);
  assert.equal(planError("d/out:\n\tMAKEFLOW ../d/sub.mf d\n", ["d/sub.mf"]), "M:2:11: source '../d/sub.mf' is not made by any rule and does not exist, nor does 'd/../d/sub.mf' (where older Makeflow read 'MAKEFLOW ../d/sub.mf d')");
});

test("plan: the JSON form names files the same way", () => {
  const json = JSON.stringify({ rules: [{ command: "echo 1 > x", outputs: ["x"] }, { command: "echo 2 > x", outputs: ["/w/err/x"] }] });
  assert.throws(() => plan(parseJsonWorkflow(json, { file: "w.json", directory }), { exists: () => false }), /target '\/w\/err\/x' is made by two rules \(also at w\.json:1:\d+, as 'x'\)/);
  const waits = JSON.stringify({ rules: [{ command: "cat b > a", outputs: ["a"], inputs: ["../err/b"] }, { command: "echo > b", outputs: ["b"] }] });
  assert.deepEqual(plan(parseJsonWorkflow(waits, { file: "w.json", directory }), { exists: () => false }).dependencies, [[1], []]);
});

test("plan: a rule hashes by its files as written, whatever the DAG names them, so logs written before files had one name stay valid", () => {
  const text = "out d/y: in ../data/x /etc/z d\n\tcat in > out\n";
  const without = parseMakeflow(text, { file: "M", environment: {} });
  const within = parseMakeflow(text, { file: "M", environment: {}, directory: "/w/err" });
  assert.deepEqual(within.rules[0]!.sources.map((s) => s.path), ["in", "/w/data/x", "/etc/z", "d"]);
  assert.equal(ruleHash(within.rules[0]!), ruleHash(without.rules[0]!));
  const respelled = parseMakeflow("out d/y: in /w/data/x /etc/z d\n\tcat in > out\n", { file: "M", environment: {}, directory: "/w/err" });
  assert.notEqual(ruleHash(within.rules[0]!), ruleHash(respelled.rules[0]!), "a rule respelled is a changed rule, as any edit of its text");
});

test("plan: a rule's missing sources are all named, the first few of many", () => {
  assert.equal(planError("y: nothere another\n\ttrue\n"), "M:1:4: sources 'nothere', 'another' are not made by any rule and do not exist");
  const many = Array.from({ length: 12 }, (_, i) => `m${i}`).join(" ");
  assert.equal(planError(`y: here ${many}\n\ttrue\n`, ["here"]), "M:1:9: sources 'm0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9' and 2 more are not made by any rule and do not exist");
});
