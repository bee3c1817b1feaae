// End to end: the built `skein` binary runs jobs whose `env` shows upstream's default variables
// (a Makeflow rule, a rule of a nested workflow, a JSON rule), and the user's OMP_NUM_THREADS
// winning over the rule's cores. Before, the jobs had none of them (and OMP_NUM_THREADS only
// when the master's environment held it).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { temporaryDirectories } from "../../test/temporary.ts";

const skein = new URL("../../../cli/bin/skein.js", import.meta.url).pathname;
const temporary = temporaryDirectories("skein-job-environment-");
const shown = ["CATEGORY", "CORES", "MEMORY", "OMP_NUM_THREADS"];

/** The variables of `shown` in a file `env` wrote. */
function variables(path: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const equals = line.indexOf("=");
    if (shown.includes(line.slice(0, equals))) found[line.slice(0, equals)] = line.slice(equals + 1);
  }
  return found;
}

function run(root: string, file: string, environment: Record<string, string> = {}): void {
  const { OMP_NUM_THREADS: _, CATEGORY: __, CORES: ___, MEMORY: ____, ...inherited } = process.env;
  const result = spawnSync(process.execPath, [skein, "flow", file, "-j", "4", "--no-progress"], { cwd: root, env: { ...inherited, ...environment }, encoding: "utf8", timeout: 60_000 });
  assert.equal(result.status, 0, result.stderr);
}

test("run: a job's environment holds CATEGORY, CORES and OMP_NUM_THREADS of its rule, in a nested workflow too; the user's OMP_NUM_THREADS wins", { timeout: 120_000 }, () => {
  const root = temporary();
  writeFileSync(
    join(root, "w.mf"),
    ".MAKEFLOW CATEGORY big\n.MAKEFLOW CORES 4\nbig.env:\n\tenv > big.env\n\n" +
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Makeflow syntax, not a template
      "CATEGORY=two\nCORES=2\nscope.txt:\n\t/bin/echo \\${CATEGORY} > scope.txt\n\n" +
      "user.env:\n\t@OMP_NUM_THREADS=1\n\tenv > user.env\n\n" +
      "inner.env: sub.mf\n\tMAKEFLOW sub.mf\n",
  );
  writeFileSync(join(root, "sub.mf"), "MEMORY=100\ninner.env:\n\tenv > inner.env\n");
  run(root, "w.mf");
  assert.deepEqual(variables(join(root, "big.env")), { CATEGORY: "big", CORES: "4", OMP_NUM_THREADS: "4" });
  assert.equal(readFileSync(join(root, "scope.txt"), "utf8"), "two\n"); // upstream's category_variable_scope
  assert.deepEqual(variables(join(root, "user.env")), { CATEGORY: "two", CORES: "2", OMP_NUM_THREADS: "1" });
  assert.deepEqual(variables(join(root, "inner.env")), { CORES: "1", MEMORY: "100", OMP_NUM_THREADS: "1" });
});

test("run: a JSON rule's job gets the same variables, and the master's OMP_NUM_THREADS wins over the rule's cores", { timeout: 60_000 }, () => {
  const root = temporary();
  const workflow = { categories: { big: { resources: { cores: 2 } } }, rules: [{ command: "env > big.env", outputs: ["big.env"], category: "big" }] };
  writeFileSync(join(root, "w.json"), JSON.stringify(workflow));
  run(root, "w.json");
  assert.deepEqual(variables(join(root, "big.env")), { CATEGORY: "big", CORES: "2", OMP_NUM_THREADS: "2" });
  const again = temporary();
  writeFileSync(join(again, "w.json"), JSON.stringify(workflow));
  run(again, "w.json", { OMP_NUM_THREADS: "3" });
  assert.deepEqual(variables(join(again, "big.env")), { CATEGORY: "big", CORES: "2", OMP_NUM_THREADS: "3" });
});
