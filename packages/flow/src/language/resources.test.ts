import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMakeflow } from "./parse-makeflow.ts";
import { parseWorkflow } from "./parse-workflow.ts";
import { type ErrorCase, testErrors } from "../../test/workflow-errors.ts";

const parse = (text: string, environment: Record<string, string> = {}) => parseMakeflow(text, { file: "w.mf", environment });

test("resources: decimal values, with a fraction, quoted or followed by a comment", () => {
  const { rules } = parse('CORES="2"\nMEMORY=1.5 # MB\nWALL_TIME= 60 \na:\n\tcmd\n');
  assert.deepEqual(rules[0]!.resources, { cores: 2, memoryMb: 1.5, wallTimeS: 60 });
});

test("resources: the environment gives unset resources only when it holds a decimal number", () => {
  const { rules } = parse("a:\n\tcmd\n", { CORES: "0x10", MEMORY: " 512 ", DISK: "lots", WALL_TIME: "30" });
  assert.deepEqual(rules[0]!.resources, { memoryMb: 512, wallTimeS: 30 });
});

test("resources: the JSON form takes every resource from the environment, as Makeflow text does", () => {
  // only CORES, MEMORY, DISK and GPUS were read; WALL_TIME and MPI_PROCESSES were not
  const workflow = parseWorkflow('{"rules": [{"command": "x", "outputs": ["o"]}]}', { file: "w.json", environment: { WALL_TIME: "30", MPI_PROCESSES: "4", CORES: "1e3" } });
  assert.deepEqual(workflow.rules[0]!.resources, { wallTimeS: 30, mpiProcesses: 4 });
});

test("resources: SIZE takes K, M, G, T and P (powers of 1024), as upstream reads it", () => {
  const { sizeHints } = parse(".SIZE a 2kb\n.MAKEFLOW SIZE b 3M\n.MAKEFLOW SIZE c 1.5G\n.SIZE d 100\n");
  assert.deepEqual([...sizeHints], [["a", 2048], ["b", 3 * 2 ** 20], ["c", 1.5 * 2 ** 30], ["d", 100]]);
});

// `Number` read 0x10 as 16 and 1e3 as 1000, where upstream's atoll reads 0 and 1: both are refused
const errors: ErrorCase[] = [
  ["a hexadecimal value", "CORES=0x10\n", /^w\.mf:1:7: CORES must be a non-negative number, written in decimal without a unit, not '0x10'$/],
  ["an exponent", ".MAKEFLOW CORES 1e3\n", /^w\.mf:1:17: CORES must be a non-negative number, written in decimal without a unit, not '1e3'$/],
  ["a unit on MEMORY", "MEMORY=4G\n", /^w\.mf:1:8: MEMORY must be a non-negative number of MB, written in decimal without a unit, not '4G'$/],
  ["a negative rule-local DISK", "a:\n\t@DISK=-1\n\tcmd\n", /^w\.mf:2:8: DISK must be a non-negative number of MB/],
  ["a size that is not one", ".SIZE f 10X\n", /^w\.mf:1:9: '10X' is not a size: bytes, or a number with K, M, G, T or P \(powers of 1024\)$/],
];
testErrors("resources", parse, errors);

test("resources: a category leaves unset what the default category sets (as upstream looks it up), then the environment", () => {
  // CORES=2 before any CATEGORY applied to default rules only; rules of 'big' got the environment's 8
  const { rules } = parse("CORES=2\nCATEGORY=big\nMEMORY=100\na:\n\tcmd\nCATEGORY=small\nCORES=1\nb:\n\tcmd\n", { CORES: "8", DISK: "5" });
  assert.deepEqual(rules.map((r) => r.resources), [{ cores: 2, memoryMb: 100, diskMb: 5 }, { cores: 1, diskMb: 5 }]);
});

test("resources: in the JSON form too, a category leaves unset what the default category sets", () => {
  const text = JSON.stringify({ categories: { default: { resources: { cores: 2 } }, c: { resources: { memory: 5 } } }, rules: [{ command: "x", outputs: ["o"], category: "c" }] });
  const workflow = parseWorkflow(text, { file: "w.json", environment: { CORES: "8" } });
  assert.deepEqual(workflow.rules[0]!.resources, { cores: 2, memoryMb: 5 });
});

test("resources: $(CORES) in a rule is its category's value, as its resources are (not the last assigned in another category)", () => {
  // `echo $(CORES)` of b's rule printed 4 (a's), while the rule reserved no cores and its job got CORES=1
  const text = "CORES=2\nCATEGORY=a\nCORES=4\nMEMORY=9\nCATEGORY=b\nx:\n\techo $(CORES)\nCATEGORY=a\ny:\n\techo $(CORES) $(MEMORY)\nz:\n\t@CATEGORY=b\n\techo $(CORES)\nCATEGORY=c\nw:\n\t@CORES=3\n\techo $(CORES) $(DISK)\n";
  const { rules } = parse(text, { DISK: "7" });
  assert.deepEqual(rules.map((r) => r.command), ["echo 2", "echo 4 9", "echo 2", "echo 3 7"]);
  assert.deepEqual(rules.map((r) => r.resources.cores), [2, 4, 2, 3]);
  // a's MEMORY is not b's, and nothing else sets it: an error, as upstream's look-up finds nothing either
  assert.throws(() => parse("CATEGORY=a\nMEMORY=9\nCATEGORY=b\nx:\n\techo $(MEMORY)\n"), /^WorkflowError: w\.mf:5:7: variable 'MEMORY' is not set/);
});
