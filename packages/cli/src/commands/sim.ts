import { type RunResult, runScenario, type Scenario } from "@skein/sim";
import type { Command } from "../command.ts";
import { formatDurationMs } from "../duration.ts";
import { ProgressBar } from "../progress.ts";
import { checkDeterminism } from "../sim/determinism.ts";
import { loadScenario } from "../sim/load-scenario.ts";
import { parseSimOptions, type SimOptions } from "../sim/options.ts";
import { runJson, runText, sumCounts } from "../sim/report.ts";
import { TraceFile } from "../sim/trace-file.ts";

const usage = `usage: skein sim <scenario.ts> [options]

Runs a scenario in the deterministic simulator.

  --seed N               run one seed (default 1)
  --seeds A..B           run a campaign over seeds A to B, with a progress bar and a summary
  --until DURATION       length of the safety phase in virtual time (e.g. 30s; default: the scenario's)
  --nodes N              cluster size passed to the scenario
  --nemesis [KINDS]      random faults; KINDS is a comma list of crash, power-loss, partition,
                         one-way-partition, loss, duplicate, delay, skew (default: all)
  --nemesis-interval D   mean time between faults (default: the scenario's, else 1s)
  --nemesis-max-down N   most nodes down at once (default ⌊(nodes−1)/2⌋)
  --nemesis-downtime A..B  how long a crashed node stays down (default 50ms..2s)
  --nemesis-loss-max R   highest message loss rate a run may draw (default 0.2)
  --trace FILE           write the JSON Lines trace (single seed)
  --check-determinism    run the seed twice in fresh processes and compare the traces
  --wall-limit DURATION  real-time limit per run (default 120s)
  --json                 print a machine-readable summary
  -v, --verbose          print service logs as they happen

Exit status: 0 when every run passes, 1 on a violation, 2 on bad usage.`;

function runOnce(scenario: Scenario, options: SimOptions, seed: number, trace?: TraceFile): Promise<RunResult> {
  return runScenario(scenario, {
    seed,
    untilMs: options.untilMs,
    nodes: options.nodes,
    nemesis: options.nemesis ?? false,
    trace: trace?.write,
    wallLimitMs: options.wallLimitMs,
    onLog: options.verbose ? (node, entry, t) => console.error(`${t.toFixed(3).padStart(12)} ${node}/${entry.service} ${entry.level}: ${entry.message}${entry.fields ? ` ${JSON.stringify(entry.fields)}` : ""}`) : undefined,
  });
}

function reproduce(options: SimOptions, seed: number): string {
  return `reproduce with: skein sim ${options.file} --seed ${seed}${options.reproduceFlags.length ? ` ${options.reproduceFlags.join(" ")}` : ""}`;
}

async function single(scenario: Scenario, options: SimOptions): Promise<number> {
  const seed = options.seeds.first;
  const trace = options.trace ? new TraceFile(options.trace) : undefined;
  let result: RunResult;
  try {
    result = await runOnce(scenario, options, seed, trace);
  } finally {
    trace?.close();
  }
  if (options.json) console.log(JSON.stringify(runJson(result)));
  else console.log(runText(result));
  if (!result.ok) console.error(reproduce(options, seed));
  return result.ok ? 0 : 1;
}

async function campaign(scenario: Scenario, options: SimOptions): Promise<number> {
  const { first, last } = options.seeds;
  const total = last - first + 1;
  const bar = new ProgressBar({ total, unit: "seeds" });
  const faultsFired: Record<string, number> = {};
  const failed: RunResult[] = [];
  let events = 0;
  let virtualTimeMs = 0;
  const startMs = performance.now();
  for (let seed = first; seed <= last; seed++) {
    const result = await runOnce(scenario, options, seed);
    events += result.events;
    virtualTimeMs += result.virtualTimeMs;
    sumCounts(faultsFired, result.faultsFired);
    if (!result.ok) failed.push(result);
    const rate = Math.round(events / ((performance.now() - startMs) / 1000));
    bar.update(seed - first + 1, [`${failed.length} failed`, `${rate} events/s`], seed === last);
  }
  bar.finish();
  const wallMs = performance.now() - startMs;
  const violations = failed.reduce((n, r) => n + r.violations.length, 0);
  if (options.json) {
    console.log(
      JSON.stringify({
        scenario: scenario.name,
        seeds: `${first}..${last}`,
        runs: total,
        ok: failed.length === 0,
        failedSeeds: failed.map((r) => r.seed),
        events,
        virtualTimeMs,
        wallMs: Math.round(wallMs),
        eventsPerSec: Math.round(events / (wallMs / 1000)),
        violations,
        violationList: failed.flatMap((r) => r.violations.map((v) => ({ seed: r.seed, ...v }))),
        faultsFired,
        faultsFiredTotal: Object.values(faultsFired).reduce((a, b) => a + b, 0),
      }),
    );
  } else {
    const faults = Object.entries(faultsFired).sort(([a], [b]) => (a < b ? -1 : 1));
    console.log(`${scenario.name}: ${total} seeds (${first}..${last}), ${total - failed.length} passed, ${failed.length} failed — ${events} events in ${formatDurationMs(wallMs)} (${Math.round(events / (wallMs / 1000))} events/s)`);
    console.log(`  faults fired: ${faults.length ? faults.map(([k, v]) => `${k}=${v}`).join(" ") : "none"}`);
    console.log(`  violations: ${violations}`);
  }
  for (const result of failed.slice(0, 10)) {
    const v = result.violations[0]!;
    console.error(`seed ${result.seed}: ${v.kind} ${v.name}: ${v.message.split("\n")[0]}\n  ${reproduce(options, result.seed)}`);
  }
  return failed.length === 0 ? 0 : 1;
}

function determinism(options: SimOptions): number {
  const seed = options.seeds.first;
  const verdict = checkDeterminism(options.file, seed, options.reproduceFlags);
  if (options.json) console.log(JSON.stringify({ seed, deterministic: verdict.ok, traceLines: verdict.lines, ...verdict }));
  else if (verdict.ok) console.log(`deterministic: seed ${seed} gave the same ${verdict.lines}-event trace twice (hash ${verdict.hashes[0]})`);
  else if (verdict.firstDifference) {
    const d = verdict.firstDifference;
    console.error(`NOT deterministic: seed ${seed}, first difference at event ${d.line}:\n  run 1: ${d.first}\n  run 2: ${d.second}`);
  } else console.error(`determinism check failed: ${verdict.error ?? "hashes differ"}`);
  return verdict.ok ? 0 : 1;
}

export const simCommand: Command = {
  name: "sim",
  summary: "run a scenario in the deterministic simulator (one seed, a campaign, a determinism check)",
  usage,
  async run(argv) {
    const options = parseSimOptions(argv);
    if (options.checkDeterminism) return determinism(options);
    const scenario = await loadScenario(options.file);
    return options.single ? single(scenario, options) : campaign(scenario, options);
  },
};
