// Every job gets upstream's special variables (CATEGORY, CORES, MEMORY, DISK, GPUS) and
// OMP_NUM_THREADS without an export, as current upstream Makeflow passes them; jobs got only what
// the workflow exported (`\${CATEGORY}` in a command was empty, and an OpenMP job under `-j 8`
// started a thread per core of the machine).
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMakeflow } from "./parse-makeflow.ts";
import { parseWorkflow } from "./parse-workflow.ts";

const parse = (text: string, environment: Record<string, string> = {}) => parseMakeflow(text, { file: "w.mf", environment });
const parseJson = (value: unknown, environment: Record<string, string> = {}) => parseWorkflow(JSON.stringify(value), { file: "w.json", environment });

test("job environment: a rule of category 'big' with CORES=4 gets CATEGORY=big CORES=4 OMP_NUM_THREADS=4, and its other resources", () => {
  const { rules } = parse(".MAKEFLOW CATEGORY big\n.MAKEFLOW CORES 4\nMEMORY=1000\nGPUS=1\nWALL_TIME=60\na:\n\tcmd\n");
  assert.deepEqual(rules[0]!.environment, { CATEGORY: "big", CORES: "4", MEMORY: "1000", GPUS: "1", OMP_NUM_THREADS: "4" });
});

test("job environment: without resources a job gets CORES=1 and OMP_NUM_THREADS=1, and no CATEGORY unless the workflow names one", () => {
  assert.deepEqual(parse("a:\n\tcmd\n").rules[0]!.environment, { CORES: "1", OMP_NUM_THREADS: "1" });
  // CATEGORY has a value once the workflow gives one, even 'default' (upstream exports what its look-up finds)
  assert.deepEqual(parse("CATEGORY=default\na:\n\tcmd\n").rules[0]!.environment, { CATEGORY: "default", CORES: "1", OMP_NUM_THREADS: "1" });
  assert.equal(parse("SYMBOL=sim\na:\n\tcmd\n").rules[0]!.environment.CATEGORY, "sim");
});

test("job environment: a rule-local category or resource is the rule's own; the next rule has the global ones again", () => {
  const { rules } = parse("CATEGORY=one\nCORES=2\na:\n\t@CATEGORY=two\n\tcmd\nb:\n\t@CORES=8\n\tcmd\nc:\n\tcmd\n");
  // category 'two' has no CORES of its own (CORES=2 was assigned in 'one')
  assert.deepEqual(rules.map((r) => [r.environment.CATEGORY, r.environment.CORES, r.environment.OMP_NUM_THREADS]), [["two", "1", "1"], ["one", "8", "8"], ["one", "2", "2"]]);
});

test("job environment: the CATEGORY a command reads from its environment is its rule's, as upstream's category_variable_scope test", () => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Makeflow syntax, not a template
  const text = ".MAKEFLOW CATEGORY one\nr1:\n\t/bin/echo \\${CATEGORY} > r1\n.MAKEFLOW CATEGORY two\nr2a:\n\t/bin/echo ${CATEGORY} > r2a\nr2b:\n\t/bin/echo \\${CATEGORY} > r2b\n";
  const { rules } = parse(text);
  assert.deepEqual(rules.map((r) => r.environment.CATEGORY), ["one", "two", "two"]);
  assert.equal(rules[1]!.command, "/bin/echo two > r2a");
});

test("job environment: fractional cores run a whole number of threads, at least one", () => {
  const { rules } = parse("a:\n\t@CORES=0.5\n\tcmd\nb:\n\t@CORES=2.5\n\tcmd\n");
  assert.deepEqual(rules.map((r) => [r.environment.CORES, r.environment.OMP_NUM_THREADS]), [["0.5", "1"], ["2.5", "2"]]);
});

test("job environment: the user's OMP_NUM_THREADS wins over the rule's cores: exported, assigned, rule-local or from the master's environment", () => {
  const threads = (text: string, environment: Record<string, string> = {}) => parse(text, environment).rules.map((r) => r.environment.OMP_NUM_THREADS);
  assert.deepEqual(threads("CORES=4\nexport OMP_NUM_THREADS=2\na:\n\tcmd\n"), ["2"]);
  assert.deepEqual(threads("CORES=4\nOMP_NUM_THREADS=2\na:\n\tcmd\n"), ["2"]);
  assert.deepEqual(threads("CORES=4\na:\n\t@OMP_NUM_THREADS=3\n\tcmd\nb:\n\tcmd\n"), ["3", "4"]);
  assert.deepEqual(threads("CORES=4\na:\n\tcmd\n", { OMP_NUM_THREADS: "6" }), ["6"]);
  // as upstream, CORES then takes the threads given when the rule has no cores of its own
  assert.deepEqual(parse("export OMP_NUM_THREADS=2\na:\n\tcmd\n").rules[0]!.environment, { CORES: "2", OMP_NUM_THREADS: "2" });
});

test("job environment: a variable the workflow exports wins over the default of the same name", () => {
  const { rules } = parseJson({ environment: { CORES: "16", CATEGORY: "mine" }, rules: [{ command: "x", outputs: ["a"], category: "big", resources: { cores: 4 } }] });
  assert.deepEqual(rules[0]!.environment, { CATEGORY: "mine", CORES: "16", OMP_NUM_THREADS: "4" });
  assert.equal(parse("export CATEGORY=c\nexport OMP_NUM_THREADS=7\na:\n\tcmd\n").rules[0]!.environment.OMP_NUM_THREADS, "7");
});

test("job environment: rules of one category share one environment object; another category or a rule-local resource gets its own", () => {
  const { rules } = parse("CATEGORY=a\nCORES=2\nx1:\n\tcmd\nx2:\n\tcmd\nCATEGORY=b\nCORES=3\ny1:\n\tcmd\ny2:\n\t@CORES=5\n\tcmd\ny3:\n\tcmd\n");
  assert.equal(rules[0]!.environment, rules[1]!.environment);
  assert.equal(rules[2]!.environment, rules[4]!.environment);
  assert.deepEqual(rules.map((r) => r.environment.CORES), ["2", "2", "3", "5", "3"]);
  assert.ok(Object.isFrozen(rules[0]!.environment));
});

test("job environment (JSON): the same defaults, with the rule's, the workflow's or the master's OMP_NUM_THREADS winning", () => {
  const categories = { big: { resources: { cores: 4, memory: 1000 } } };
  const workflow = parseJson({
    categories,
    rules: [
      { command: "x", outputs: ["a"], category: "big" },
      { command: "x", outputs: ["b"], category: "big", environment: { OMP_NUM_THREADS: "2" } },
      { command: "x", outputs: ["c"] },
      { command: "x", outputs: ["d"], category: "big" },
    ],
  });
  assert.deepEqual(workflow.rules[0]!.environment, { CATEGORY: "big", CORES: "4", MEMORY: "1000", OMP_NUM_THREADS: "4" });
  assert.deepEqual(workflow.rules[1]!.environment, { CATEGORY: "big", CORES: "4", MEMORY: "1000", OMP_NUM_THREADS: "2" });
  assert.deepEqual(workflow.rules[2]!.environment, { CORES: "1", OMP_NUM_THREADS: "1" });
  assert.equal(workflow.rules[0]!.environment, workflow.rules[3]!.environment);
  const global = parseJson({ environment: { OMP_NUM_THREADS: "3" }, categories, rules: [{ command: "x", outputs: ["a"], category: "big" }] });
  assert.equal(global.rules[0]!.environment.OMP_NUM_THREADS, "3");
  const master = parseJson({ categories, rules: [{ command: "x", outputs: ["a"], category: "big", resources: { cores: 8 } }] }, { OMP_NUM_THREADS: "5" });
  assert.deepEqual([master.rules[0]!.environment.CORES, master.rules[0]!.environment.OMP_NUM_THREADS], ["8", "5"]);
});

test("job environment (JSON): a category's \"environment\" sits between the workflow's and the rule's, as upstream's category_from_jx reads it", () => {
  const workflow = parseJson({
    environment: { A: "top", B: "top", C: "top" },
    categories: { big: { resources: { cores: 4 }, environment: { B: "big", C: "big", OMP_NUM_THREADS: "2" } }, default: { environment: { A: "default" } } },
    rules: [
      { command: "x", outputs: ["a"], category: "big" },
      { command: "x", outputs: ["b"], category: "big", environment: { C: "rule" } },
      { command: "x", outputs: ["c"] },
    ],
  });
  assert.deepEqual(workflow.rules[0]!.environment, { CATEGORY: "big", CORES: "4", OMP_NUM_THREADS: "2", A: "top", B: "big", C: "big" });
  assert.deepEqual(workflow.rules[1]!.environment, { CATEGORY: "big", CORES: "4", OMP_NUM_THREADS: "2", A: "top", B: "big", C: "rule" });
  assert.deepEqual(workflow.rules[2]!.environment, { CORES: "1", OMP_NUM_THREADS: "1", A: "default", B: "top", C: "top" });
  assert.throws(() => parseJson({ categories: { big: { environment: { X: true } } }, rules: [] }), /w\.json:1:\d+: category .big. environment\.X must be a string/);
  assert.throws(() => parseJson({ categories: { big: { cores: 1 } }, rules: [] }), /unknown key 'cores' in category 'big' \(resources, environment\)/);
});

test("job environment: 100 000 rules with exports and categories parse in linear time, sharing environments", () => {
  let text = "export A B\nA=1\nB=2\n";
  for (let i = 0; i < 100_000; i++) text += `${i % 1000 === 0 ? `CATEGORY=c${i % 3}\nCORES=${(i % 3) + 1}\n` : ""}o${i}:\n\tcmd\n`;
  const { rules } = parse(text);
  assert.deepEqual(rules[99_999]!.environment, { CATEGORY: "c0", CORES: "1", OMP_NUM_THREADS: "1", A: "1", B: "2" });
  // one environment per run of rules between two changes, not one per rule (the time is not
  // checked: a loaded machine stretches it several-fold)
  assert.equal(new Set(rules.map((r) => r.environment)).size, 100);
});
