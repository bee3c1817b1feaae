import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { seededRandom } from "../testing/simulated-cluster.ts";

const skein = new URL("../../../cli/bin/skein.js", import.meta.url).pathname;
const parts = 24;

function workflowText(): string {
  const lines: string[] = [];
  for (let i = 0; i < parts; i++) {
    // Each output is written in two halves: a kill in between leaves a partial file behind.
    lines.push(`p${i}:\n\tprintf 'first-' > p${i}; sleep 0.04; printf 'second' >> p${i}`);
  }
  lines.push(`sum: ${Array.from({ length: parts }, (_, i) => `p${i}`).join(" ")}\n\tcat ${Array.from({ length: parts }, (_, i) => `p${i}`).join(" ")} > sum`);
  return `${lines.join("\n")}\n`;
}

const logLines = (root: string) => {
  try {
    return readFileSync(join(root, "w.mf.skeinlog"), "utf8").split("\n").length;
  } catch {
    return 0;
  }
};

/** Starts the master and kills it once its log has grown by `linesMore` lines (a random point of the run). */
function runUntilKilled(root: string, linesMore: number): Promise<void> {
  const start = logLines(root);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [skein, "flow", "w.mf", "-j", "2", "--no-progress"], { cwd: root, stdio: "ignore" });
    const poll = setInterval(() => {
      if (logLines(root) - start >= linesMore) child.kill("SIGKILL");
    }, 3);
    child.on("exit", () => {
      clearInterval(poll);
      resolve();
    });
  });
}

test("resume: killed with SIGKILL 10 times at random points (seed 42), the workflow ends as if never stopped", async () => {
  const root = mkdtempSync(join(tmpdir(), "skein-flow-kill-"));
  try {
    writeFileSync(join(root, "w.mf"), workflowText());
    const random = seededRandom(42);
    for (let kill = 0; kill < 10; kill++) await runUntilKilled(root, 1 + Math.floor(random() * 8));
    const final = spawnSync(process.execPath, [skein, "flow", "w.mf", "-j", "2", "--no-progress"], { cwd: root, encoding: "utf8", timeout: 60_000 });
    assert.equal(final.status, 0, final.stderr);
    assert.equal(readFileSync(join(root, "sum"), "utf8"), "first-second".repeat(parts));
    // No rule started again once the log recorded it done.
    const doneSeen = new Set<string>();
    let runningLines = 0;
    for (const line of readFileSync(join(root, "w.mf.skeinlog"), "utf8").split("\n")) {
      const [, rule, state] = line.split(" ");
      if (state === "running") runningLines++;
      if (state === "running") assert.ok(!doneSeen.has(rule!), `rule ${rule} ran again after it was done`);
      if (state === "done") doneSeen.add(rule!);
    }
    assert.equal(doneSeen.size, parts + 1);
    assert.ok(runningLines > parts + 1, "at least one kill interrupted a running rule, whose partial output was redone");
    const again = spawnSync(process.execPath, [skein, "flow", "w.mf", "--no-progress"], { cwd: root, encoding: "utf8", timeout: 60_000 });
    assert.match(again.stderr, /nothing to do/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
