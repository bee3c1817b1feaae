import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMakeflow } from "./parse-makeflow.ts";

const parse = (text: string, environment: Record<string, string> = {}) => parseMakeflow(text, { file: "w.mf", environment });

test("export: one statement may name several variables, as upstream's 'export A B'; a comment may follow", () => {
  const { rules } = parse("export A B C # all three\nA=1\nB=2\na:\n\tcmd\n", { C: "env" });
  assert.deepEqual(rules[0]!.environment, { A: "1", B: "2", C: "env", CORES: "1", OMP_NUM_THREADS: "1" });
});

test("export: a variable named export, or starting with it, is still an assignment", () => {
  const { rules } = parse("export=1\nexportX=2\na:\n\techo $(export) $(exportX)\n");
  assert.equal(rules[0]!.command, "echo 1 2");
  assert.deepEqual(rules[0]!.environment, { CORES: "1", OMP_NUM_THREADS: "1" }); // upstream's defaults only
});

test("export error: no name, or a word that is not a name, is reported at the word", () => {
  assert.throws(() => parse("export # nothing\n"), /^WorkflowError: w\.mf:1:1: 'export' needs a variable name/);
  assert.throws(() => parse("export A x-y\n"), /^WorkflowError: w\.mf:1:10: cannot export 'x-y': not a variable name/);
});

test("export: += appends to a value from the environment, as a rule-local += and upstream do", () => {
  // it started from empty: `export FLAGS+=-v` gave jobs FLAGS=-v, dropping the environment's value
  const { rules } = parse("export FLAGS+=-v\na:\n\techo $(FLAGS)\nb:\n\t@FLAGS+=-q\n\tcmd\n", { FLAGS: "-O2" });
  assert.deepEqual(rules[0]!.environment, { FLAGS: "-O2 -v", CORES: "1", OMP_NUM_THREADS: "1" });
  assert.equal(rules[0]!.command, "echo -O2 -v");
  assert.deepEqual(rules[1]!.environment, { FLAGS: "-O2 -v -q", CORES: "1", OMP_NUM_THREADS: "1" });
});

test("export error: export between a rule and its command says where it goes (it said the rule had no command)", () => {
  assert.throws(() => parse("a:\nexport X=1\n\tcmd\n"), /^WorkflowError: w\.mf:2:1: 'export' applies to every later rule: put it before the rule/);
  assert.throws(() => parse("a:\n\t@export X\n\tcmd\n"), /^WorkflowError: w\.mf:2:2: 'export' applies to every later rule/);
});

test("assignments: '@NAME=value' outside a rule is a global assignment, as upstream reads it", () => {
  const { rules } = parse("@X=1\na:\n\tcmd $(X)\n@X+=2\nb:\n\tcmd $(X)\n");
  assert.deepEqual(rules.map((r) => r.command), ["cmd 1", "cmd 1 2"]);
  assert.throws(() => parse("@echo hi\n"), /^WorkflowError: w\.mf:1:1: expected a rule/);
});

test("assignments error: make's := ?= ::= != say what to write instead", () => {
  // 'X := 1' was a rule 'X' with sources '=' and '1' ("rule for 'X' has no command")
  assert.throws(() => parse("X := 1\na:\n\tcmd\n"), /^WorkflowError: w\.mf:1:3: ':=' is make's, not Makeflow's: write 'X=value' \(values expand when assigned\) or 'X\+=value'$/);
  assert.throws(() => parse("CC ?= gcc\n"), /^WorkflowError: w\.mf:1:4: '\?=' is make's/);
  assert.throws(() => parse("F != ls\n"), /^WorkflowError: w\.mf:1:3: '!=' is make's/);
  assert.deepEqual(parse("a: b=c\n\tcmd\n").rules[0]!.sources.map((s) => s.path), ["b=c"]);
});

test("export: rules share the exported environment until an exported variable changes; rule-local values stay their own", () => {
  const { rules } = parse("export A B\nA=1\na:\n\tcmd\nb:\n\tcmd\nc:\n@B=own\n\tcmd\nB=2\nd:\n\tcmd\nexport C=3\ne:\n\tcmd\n");
  const defaults = { CORES: "1", OMP_NUM_THREADS: "1" };
  assert.deepEqual(
    rules.map((r) => r.environment),
    [{ A: "1" }, { A: "1" }, { A: "1", B: "own" }, { A: "1", B: "2" }, { A: "1", B: "2", C: "3" }].map((e) => ({ ...defaults, ...e })),
  );
  assert.equal(rules[0]!.environment, rules[1]!.environment);
});

test("export: 400 exported variables and 20 000 rules parse in linear time", () => {
  let text = "";
  for (let i = 0; i < 400; i++) text += `export V${i}=${i}\n`;
  for (let i = 0; i < 20_000; i++) text += `o${i}:\n\tcmd\n`;
  const { rules } = parse(text);
  assert.equal(Object.keys(rules[19_999]!.environment).length, 402); // and CORES, OMP_NUM_THREADS
  // each rule built its own 400-entry environment (≈ 2.5 s); now all share one (≈ 0.15 s). The
  // sharing is what is checked, not the time, which a loaded machine stretches several-fold.
  assert.equal(new Set(rules.map((rule) => rule.environment)).size, 1);
});
