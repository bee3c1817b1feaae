// `npm run bench -- [suite ...]`: runs bench/<suite>.ts for each named suite (default: all),
// each in its own process, passing its JSON lines through. Benchmarks are not tests: they
// print measurements and ratios against a baseline measured in the same run.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";

const dir = new URL(".", import.meta.url).pathname;
const suites = readdirSync(dir)
  .filter((f) => f.endsWith(".ts") && f !== "run.ts" && !f.endsWith(".test.ts"))
  .map((f) => f.slice(0, -3))
  .sort();
const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!suites.includes(name)) {
    console.error(`unknown bench suite '${name}' (known: ${suites.join(", ")})`);
    process.exit(2);
  }
}
let failed = false;
for (const name of wanted.length ? wanted : suites) {
  const result = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", `${dir}${name}.ts`], { stdio: "inherit" });
  failed ||= result.status !== 0;
}
process.exit(failed ? 1 : 0);
