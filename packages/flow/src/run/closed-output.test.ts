// skein flow whose reader goes away: `skein flow --dry-run | head`, `skein flow w.mf 2>&1 | head`.
// The CLI runs as a process (its standard streams are the point); an uncaught error in it exits 7.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-closed-output-");
const skein = new URL("../../../cli/bin/skein.js", import.meta.url).pathname;
const uncaughtExits7 = `process.on("uncaughtException", (error) => { require("fs").writeSync(3, String(error.stack)); process.exit(7); }); process.argv = [process.argv[0], ${JSON.stringify(skein)}, ...process.argv.slice(1)]; require(${JSON.stringify(skein)});`;

/** Runs `skein flow ...args` in root, closes `stream` after its first chunk; resolves with the exit code and any uncaught error. */
function runClosing(root: string, args: string[], stream: "stdout" | "stderr"): Promise<{ code: number | null; uncaught: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["-e", uncaughtExits7, "flow", ...args], { cwd: root, stdio: ["ignore", stream === "stdout" ? "pipe" : "ignore", stream === "stderr" ? "pipe" : "ignore", "pipe"] });
    child[stream]!.once("data", () => child[stream]!.destroy());
    let uncaught = "";
    child.stdio[3]!.on("data", (chunk: Buffer) => (uncaught += chunk));
    child.on("close", (code) => resolve({ code, uncaught }));
  });
}

test("flow: --dry-run whose reader goes away stops printing, exit 0, without a stack trace", { timeout: 60_000 }, async () => {
  const rules = Array.from({ length: 20_000 }, (_, i) => `d${i}:\n\ttouch d${i}\n`).join("");
  const root = workspace({ "w.mf": rules });
  const run = await runClosing(root, ["w.mf", "--dry-run"], "stdout");
  assert.deepEqual(run, { code: 0, uncaught: "" });
});

test("flow: a run whose standard error's reader goes away stops as an interrupt would (exit 1), not with an uncaught EPIPE", { timeout: 60_000 }, async () => {
  const root = workspace({});
  writeFileSync(join(root, "w.mf"), Array.from({ length: 6 }, (_, i) => `t${i}:\n\tsleep 0.2; exit 1\n`).join(""));
  const run = await runClosing(root, ["w.mf", "--no-progress", "-j", "1", "--retry-count", "2", "--retry-delay", "1"], "stderr");
  assert.deepEqual(run, { code: 1, uncaught: "" });
});
