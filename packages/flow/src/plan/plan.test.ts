import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { plan } from "./plan.ts";

const existing = (...paths: string[]) => ({ exists: (path: string) => paths.includes(path) });
const planText = (text: string, files: string[] = []) => plan(parseMakeflow(text, { file: "w.mf" }), existing(...files));

test("plan: rules wait for the rules that make their sources", () => {
  const result = planText("c: a b\n\tcat a b > c\na:\n\techo a > a\nb: src\n\techo b > b\n", ["src"]);
  assert.deepEqual(result.dependencies, [[1, 2], [], []]);
  assert.deepEqual(result.dependants, [[], [0], [0]]);
});

test("plan: a directory source waits for rules that make files inside it", () => {
  const result = planText("data/x:\n\tcmd\ndata/y:\n\tcmd\nsum: data\n\tcmd\n");
  assert.deepEqual(result.dependencies[2], [0, 1]);
});

test("plan: a directory source made by a rule also waits for the rules making files inside it", () => {
  // d/x and d/y need d (made by rule 0), not each other; `all` needs the whole of d
  const result = planText("d:\n\tmkdir d\nd/x: d\n\techo x > d/x\nd/y: d\n\techo y > d/y\nall: d\n\tls d > all\n");
  assert.deepEqual(result.dependencies, [[], [0], [0], [0, 1, 2]]);
});

test("plan: a rule inside a directory that reads the directory waits for the others inside it", () => {
  // d/sum summarises d: it waits for d/a, which does not read d
  const result = planText("d/a:\n\tcmd\nd/sum: d\n\tcmd\nall: d\n\tcmd\n");
  assert.deepEqual(result.dependencies, [[], [0], [0, 1]]);
});

test("plan: '.' as a source waits for every rule making a file in the workflow's directory", () => {
  const result = planText("x:\n\tcmd\nsub/y:\n\tcmd\nall: .\n\tls -R > all\nlist: .\n\tcmd\n", ["."]);
  assert.deepEqual(result.dependencies, [[], [], [0, 1], [0, 1]]);
});

test("plan: a file inside a directory target waits for that directory's rule", () => {
  const result = planText("out:\n\tmkdir out && touch out/f\nuse: out/f\n\tcmd\n");
  assert.deepEqual(result.dependencies[1], [0]);
});

test("plan error: a target made by two rules names both places", () => {
  assert.throws(() => planText("a:\n\tone\nb a:\n\ttwo\n"), /^WorkflowError: w\.mf:3:3: target 'a' is made by two rules \(also at w\.mf:1:1\)/);
});

test("plan error: a source that no rule makes and that does not exist", () => {
  assert.throws(() => planText("a: here missing\n\tcmd\n", ["here"]), /w\.mf:1:9: source 'missing' is not made by any rule and does not exist/);
});

test("plan error: a cycle is printed", () => {
  assert.throws(() => planText("a: c\n\tcmd\nb: a\n\tcmd\nc: b\n\tcmd\nd: d\n\tcmd\n"), /w\.mf:\d:1: the rules form a cycle \(each is needed to make the next\): (a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c)/);
  assert.throws(() => planText("d: d\n\tcmd\n"), /w\.mf:1:1: the rules form a cycle \(each is needed to make the next\): d -> d/);
});

test("plan: a 100 000-deep chain plans without recursion limits", () => {
  const lines: string[] = ["f0:\n\ttouch f0"];
  for (let i = 1; i < 100_000; i++) lines.push(`f${i}: f${i - 1}\n\ttouch f${i}`);
  const result = planText(lines.join("\n"));
  assert.deepEqual(result.dependencies[99_999], [99_998]);
});
