// Flow benchmark: `tsx bench/flow.ts` prints one JSON line per case:
// {name, value, unit, baseline, ratio}. Baselines are GNU make -j2 on the equivalent Makefile,
// measured in the same run. ratio = value / baseline (below 1 is faster than make).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseWorkflow, plan, runFlow } from "@skein/flow";
import { realClock } from "@skein/net";

const skein = new URL("../packages/cli/bin/skein.js", import.meta.url).pathname;
const silent = { out: () => {}, err: () => {} };

function report(name: string, value: number, unit: string, baseline: number | null): void {
  const ratio = baseline ? Number((value / baseline).toFixed(3)) : null;
  console.log(JSON.stringify({ name, value: Number(value.toFixed(3)), unit, baseline: baseline === null ? null : Number(baseline.toFixed(3)), ratio }));
}

function independent(count: number): string {
  return Array.from({ length: count }, (_, i) => `o${i}:\n\ttouch o${i}\n`).join("");
}

function chain(depth: number): string {
  const rules = ["c0:\n\ttouch c0\n"];
  for (let i = 1; i < depth; i++) rules.push(`c${i}: c${i - 1}\n\ttouch c${i}\n`);
  return rules.join("");
}

function makefile(flowText: string, finals: string[]): string {
  return `all: ${finals.join(" ")}\n${flowText}`;
}

function timed(run: () => void): number {
  const start = performance.now();
  run();
  return (performance.now() - start) / 1000;
}

/** Wall time of `skein flow -j 2` (a fresh process, as a user runs it) and of `make -j2`. */
function versusMake(name: string, text: string, finals: string[]): void {
  const root = mkdtempSync(join(tmpdir(), "skein-bench-"));
  try {
    writeFileSync(join(root, "w.mf"), text);
    writeFileSync(join(root, "Makefile"), makefile(text, finals));
    const make = timed(() => spawnSync("make", ["-s", "-j2", "-f", "Makefile"], { cwd: root, stdio: "ignore" }));
    spawnSync("sh", ["-c", "rm -f o* c*"], { cwd: root });
    const flow = timed(() => spawnSync(process.execPath, [skein, "flow", "w.mf", "-j", "2", "--no-progress"], { cwd: root, stdio: "ignore" }));
    report(name, flow, "s", make);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function parsePlan(count: number): void {
  const text = Array.from({ length: count }, (_, i) => `out${i}: in${i % 100} out${i >> 1}x\n\tcmd ${i}\n`).join("").replace(/ out\d+x/g, "");
  const seconds = timed(() => plan(parseWorkflow(text, { file: "big.mf" }), { exists: () => true }));
  report(`parse+plan ${count} rules`, seconds, "s", null);
}

/** Tasks/s through two `skein worker` processes on loopback (as users run them), master in-process. */
async function throughWorkers(count: number): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "skein-bench-workers-"));
  const workers: ChildProcess[] = [];
  try {
    writeFileSync(join(root, "w.mf"), independent(count));
    const start = performance.now();
    await runFlow({ file: join(root, "w.mf"), target: "workers", port: 0, progress: false, fastAbortMultiplier: 0, onListening: (port) => {
      for (let i = 0; i < 2; i++) {
        const args = [skein, "worker", `127.0.0.1:${port}`, "--cores", "2", "--workdir", join(root, `worker${i}`)];
        workers.push(spawn(process.execPath, args, { stdio: "ignore" }));
      }
    } }, { clock: realClock(), random: Math.random, output: silent });
    report(`tasks/s through 2 local workers (${count} trivial tasks)`, count / ((performance.now() - start) / 1000), "tasks/s", null);
  } finally {
    for (const worker of workers) worker.kill("SIGKILL");
    rmSync(root, { recursive: true, force: true });
  }
}

/** One small run first, so the launcher is built and tsx's cache is warm, as on any second use. */
function warmUp(): void {
  const root = mkdtempSync(join(tmpdir(), "skein-bench-warm-"));
  writeFileSync(join(root, "w.mf"), independent(2));
  spawnSync(process.execPath, [skein, "flow", "w.mf", "-j", "2", "--no-progress"], { cwd: root, stdio: "ignore" });
  rmSync(root, { recursive: true, force: true });
}

warmUp();
versusMake("2000 independent rules, -j 2", independent(2000), Array.from({ length: 2000 }, (_, i) => `o${i}`));
versusMake("1000-deep chain, -j 2", chain(1000), ["c999"]);
parsePlan(100_000);
await throughWorkers(2000);
versusMake("20000 independent rules, -j 2", independent(20_000), Array.from({ length: 20_000 }, (_, i) => `o${i}`));
