// Flow benchmark: `tsx bench/flow.ts` prints one JSON line per case:
// {name, value, unit, baseline, ratio} (make comparisons add every run's value: samples). Baselines are GNU make on the equivalent Makefile,
// measured in the same run. ratio = value / baseline (for times, below 1 is faster than make;
// for the workers' tasks/s, above 1 is faster than local make -j4). Each
// comparison runs both tools `repeats` times, alternating which goes first, each run in a fresh
// directory on the same file system, and reports the medians: this machine's noise (other
// virtual machines) moves single runs by ±30 %.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseWorkflow, plan, runFlow } from "@skein/flow";
import { realClock } from "@skein/net";

/** The `skein` command as users run it (bin/skein, which npm links as node_modules/.bin/skein). */
const skein = new URL("../packages/cli/bin/skein", import.meta.url).pathname;
const silent = { out: () => {}, err: () => {} };

function report(name: string, value: number, unit: string, baseline: number | null, samples?: Record<string, number[]>): void {
  const ratio = baseline ? Number((value / baseline).toFixed(3)) : null;
  const rounded = samples && Object.fromEntries(Object.entries(samples).map(([tool, values]) => [tool, values.map((v) => Number(v.toFixed(3)))]));
  console.log(JSON.stringify({ name, value: Number(value.toFixed(3)), unit, baseline: baseline === null ? null : Number(baseline.toFixed(3)), ratio, ...(rounded ? { samples: rounded } : {}) }));
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

/**
 * Work directories, removed when the benchmark ends rather than after each run: on this VM's
 * ext4 (no journal) every file created within a minute of thousands being deleted first scans
 * past those recently freed inodes (`recently_deleted`), so a run right after another's
 * clean-up measures the file system's backlog, not the tool.
 */
const workDirectories: string[] = [];
function workDirectory(base: string, prefix: string): string {
  const root = mkdtempSync(join(base, prefix));
  workDirectories.push(root);
  return root;
}
process.on("exit", () => {
  for (const root of workDirectories) rmSync(root, { recursive: true, force: true });
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Wall time of one tool on the workflow, in a fresh directory (a fresh process, as a user runs it). */
function runOnce(tool: "make" | "skein", text: string, finals: string[], base = tmpdir(), jobs = 2): number {
  const root = workDirectory(base, `skein-bench-${tool}-`);
  if (tool === "make") writeFileSync(join(root, "Makefile"), makefile(text, finals));
  else writeFileSync(join(root, "w.mf"), text);
  spawnSync("sync");
  const command = tool === "make" ? (["make", ["-s", `-j${jobs}`, "-f", "Makefile"]] as const) : ([skein, ["flow", "w.mf", "-j", String(jobs), "--no-progress"]] as const);
  return timed(() => {
    const result = spawnSync(command[0], command[1], { cwd: root, stdio: "ignore" });
    if (result.status !== 0) throw new Error(`${tool} failed (${result.status ?? result.signal})`);
  });
}

/** Medians of `skein flow -j 2` and `make -j2` over `repeats` interleaved runs. */
function versusMake(name: string, text: string, finals: string[], repeats: number): void {
  const times = { make: [] as number[], skein: [] as number[] };
  for (let i = 0; i < repeats; i++) {
    const order = i % 2 === 0 ? (["make", "skein"] as const) : (["skein", "make"] as const);
    for (const tool of order) times[tool].push(runOnce(tool, text, finals));
  }
  report(name, median(times.skein), "s", median(times.make), times);
}

/**
 * The sources of rule i of the parse+plan cases: a shared input (one of 100) and, but for the
 * first, the output of rule (i-1)/2 — a binary tree of dependencies, 17 levels deep at 100 000
 * rules, so planning builds and checks real edges (cycles, producers), not only a list.
 */
function sourcesOf(i: number): string[] {
  return i === 0 ? [`in${i % 100}`] : [`in${i % 100}`, `out${(i - 1) >> 1}`];
}

function parsePlan(count: number): void {
  const text = Array.from({ length: count }, (_, i) => `out${i}: ${sourcesOf(i).join(" ")}\n\tcmd ${i}\n`).join("");
  const seconds = timed(() => plan(parseWorkflow(text, { file: "big.mf" }), { exists: () => true }));
  report(`parse+plan ${count} rules`, seconds, "s", null);
}

/**
 * The same rules in the JSON form (`JSON.stringify(…, null, 1)`, as a generator would write
 * it), with an environment and two categories that some rules name, and some local rules.
 */
function parsePlanJson(count: number): void {
  const rules = Array.from({ length: count }, (_, i) => ({ command: `cmd ${i}`, inputs: sourcesOf(i), outputs: [`out${i}`], ...(i % 7 === 0 ? { category: "big" } : {}), ...(i % 11 === 0 ? { local_job: true } : {}) }));
  const categories = { big: { resources: { cores: 2, memory: 1000, disk: 100 } }, small: { resources: { cores: 1 }, environment: { K: "v" } } };
  const text = JSON.stringify({ environment: { PATH: "/usr/bin:/bin", LANG: "C" }, categories, rules }, null, 1);
  const seconds = timed(() => plan(parseWorkflow(text, { file: "big.json" }), { exists: () => true }));
  report(`parse+plan ${count} rules (JSON)`, seconds, "s", null);
}

/** Tasks/s through two `skein worker` processes on loopback (as users run them), master in-process. */
async function throughWorkersOnce(count: number, base: string): Promise<number> {
  const root = workDirectory(base, "skein-bench-workers-");
  const workers: ChildProcess[] = [];
  try {
    writeFileSync(join(root, "w.mf"), independent(count));
    const start = performance.now();
    await runFlow({ file: join(root, "w.mf"), target: "workers", port: 0, progress: false, fastAbortMultiplier: 0, onListening: (port) => {
      for (let i = 0; i < 2; i++) {
        const args = ["worker", `127.0.0.1:${port}`, "--cores", "2", "--workdir", join(root, `worker${i}`)];
        workers.push(spawn(skein, args, { stdio: "ignore" }));
      }
    } }, { clock: realClock(), random: Math.random, output: silent });
    return count / ((performance.now() - start) / 1000);
  } finally {
    for (const worker of workers) worker.kill("SIGKILL");
  }
}

/**
 * The median of `repeats` runs, in `base`, beside the baseline of the same run: `make -j4` (the
 * workers' four cores) running the same trivial commands locally in `base`, as tasks/s —
 * how fast this machine starts processes at that moment (it varies several-fold between
 * phases of this VM), so ratio ≥ 1 means the workers keep up with local make. Interleaved,
 * alternating which goes first. Run before the make comparisons: on this VM's ext4 (no
 * journal), creating a file after thousands were deleted in the last minutes scans the inode
 * table for recently freed ones (`recently_deleted`), which the comparisons cause.
 */
async function throughWorkers(count: number, base: string, label: string, repeats: number): Promise<void> {
  const rates = { make: [] as number[], skein: [] as number[] };
  const finals = Array.from({ length: count }, (_, i) => `o${i}`);
  const makeRate = () => rates.make.push(count / runOnce("make", independent(count), finals, base, 4));
  for (let i = 0; i < repeats; i++) {
    if (i % 2 === 0) makeRate();
    rates.skein.push(await throughWorkersOnce(count, base));
    if (i % 2 === 1) makeRate();
  }
  report(`tasks/s through 2 local workers (${count} trivial tasks, ${label}; baseline make -j4 locally)`, median(rates.skein), "tasks/s", median(rates.make), rates);
}

/** One small run first, so the launcher is built and tsx's cache is warm, as on any second use. */
function warmUp(): void {
  const root = mkdtempSync(join(tmpdir(), "skein-bench-warm-"));
  writeFileSync(join(root, "w.mf"), independent(2));
  spawnSync(skein, ["flow", "w.mf", "-j", "2", "--no-progress"], { cwd: root, stdio: "ignore" });
  rmSync(root, { recursive: true, force: true });
}

/** `BENCH_FLOW_CASES=workers,2000,chain,parse,20000` runs only those cases (default: all). */
const cases = new Set((process.env.BENCH_FLOW_CASES ?? "workers,2000,chain,parse,20000").split(","));
warmUp();
if (cases.has("workers")) {
  await throughWorkers(2000, tmpdir(), `work directories in ${tmpdir()}`, 5);
  if (existsSync("/dev/shm")) await throughWorkers(2000, "/dev/shm", "work directories in /dev/shm (tmpfs)", 5);
}
// 11 pairs: a run is ≈ 1 s and the machine moves single runs by ±20 %; the chain and 20 000
// rules need fewer (the chain is far from parity, 20 000 rules average over ten times as long)
if (cases.has("2000")) versusMake("2000 independent rules, -j 2", independent(2000), Array.from({ length: 2000 }, (_, i) => `o${i}`), 11);
if (cases.has("chain")) versusMake("1000-deep chain, -j 2", chain(1000), ["c999"], 5);
if (cases.has("parse")) {
  parsePlan(100_000);
  parsePlanJson(100_000);
}
if (cases.has("20000")) versusMake("20000 independent rules, -j 2", independent(20_000), Array.from({ length: 20_000 }, (_, i) => `o${i}`), 3);
