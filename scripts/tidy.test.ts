// Tidy: determinism is a feature. Outside the runtimes (sim, net), the CLI and the dashboard,
// code reaches time, timers, randomness, sockets and files only through the Skein runtime.
// A file that *is* an I/O adapter (a flow executor, a process launcher) says so on a line of
// its own: `// skein-io-adapter: <reason>`; such files are listed, never silently exempt.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";

const root = new URL("..", import.meta.url).pathname;
const runtimePackages = new Set(["sim", "net", "cli", "dashboard"]);
const forbidden: Array<[RegExp, string]> = [
  [/\bDate\.now\s*\(/, "Date.now"],
  [/\bnew Date\s*\(\s*\)/, "new Date()"],
  [/\bsetTimeout\s*\(/, "setTimeout"],
  [/\bsetInterval\s*\(/, "setInterval"],
  [/\bsetImmediate\s*\(/, "setImmediate"],
  [/\bMath\.random\s*\(/, "Math.random"],
  [/\bperformance\.now\s*\(/, "performance.now"],
  [/from\s+["']node:(net|fs|fs\/promises|dgram|tls|http|https|child_process)["']/, "node I/O module"],
  [/import\(\s*["']node:(net|fs|fs\/promises|dgram|tls|http|https|child_process)["']\s*\)/, "node I/O module"],
];

/** `import type { Stats } from "node:fs"`: names a type only, so it does no I/O. */
const typeOnly = /^\s*(import|export)\s+type\s/;

function sources(dir: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (name.endsWith(".ts") && !name.endsWith(".test.ts")) out.push(path);
  }
}

test("tidy: no clock, timers, randomness or I/O outside the runtimes", () => {
  const violations: string[] = [];
  const adapters: string[] = [];
  for (const pkg of readdirSync(join(root, "packages")).sort()) {
    if (runtimePackages.has(pkg)) continue;
    const files: string[] = [];
    try {
      sources(join(root, "packages", pkg, "src"), files);
    } catch {
      continue;
    }
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      if (/^\s*\/\/ skein-io-adapter: \S/m.test(text)) {
        adapters.push(relative(root, file));
        continue;
      }
      text.split("\n").forEach((line, i) => {
        if (/^\s*(\/\/|\*)/.test(line)) return;
        if (typeOnly.test(line)) return; // erased when compiled: no I/O at run time
        for (const [pattern, what] of forbidden) {
          if (pattern.test(line)) violations.push(`${relative(root, file)}:${i + 1}: ${what}`);
        }
      });
    }
  }
  if (adapters.length) console.log(`declared I/O adapters:\n  ${adapters.join("\n  ")}`);
  assert.deepEqual(violations, [], `use the runtime instead:\n${violations.join("\n")}`);
});

test("tidy: the rule itself catches a violation", () => {
  const sample = "const t = Date.now();";
  assert.ok(forbidden.some(([p]) => p.test(sample)));
  assert.ok(!forbidden.some(([p]) => p.test("const t = ctx.now();")));
  const io = 'import { readFileSync } from "node:fs";';
  assert.ok(forbidden.some(([p]) => p.test(io)) && !typeOnly.test(io));
  assert.ok(typeOnly.test('import type { Stats } from "node:fs";'));
});
