// Runs every `*.test.ts` in the repository with the Node test runner (through tsx).
// Usage: tsx scripts/test.ts [substring ...]   — only files whose path contains a substring.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const roots = ["packages", "examples", "scripts", "bench"];
const skipDirs = new Set(["node_modules", ".git", ".skein-tmp"]);

function findTests(dir: string, out: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    if (skipDirs.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (name.endsWith(".test.ts")) out.push(relative(root, path));
  }
}

const files: string[] = [];
for (const r of roots) {
  try {
    findTests(join(root, r), files);
  } catch {
    // a root that does not exist yet has no tests
  }
}
const filters = process.argv.slice(2);
const selected = filters.length ? files.filter((f) => filters.some((s) => f.includes(s))) : files;
if (selected.length === 0) {
  console.error(`no test files match ${filters.join(" ")}`);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-concurrency=2", "--test-timeout=600000", ...selected],
  { cwd: root, stdio: "inherit" },
);
process.exit(result.status ?? 1);
