import { describeDraw, type RunResult } from "@skein/sim";
import { formatDurationMs } from "../duration.ts";

/** The machine-readable summary of one run (`--json`). */
export function runJson(result: RunResult): Record<string, unknown> {
  return {
    scenario: result.scenario,
    seed: result.seed,
    ok: result.ok,
    events: result.events,
    virtualTimeMs: result.virtualTimeMs,
    wallMs: Math.round(result.wallMs),
    eventsPerSec: result.eventsPerSec,
    traceHash: result.traceHash,
    violations: result.violations.length,
    violationList: result.violations,
    faultsFired: result.faultsFired,
    faultsFiredTotal: Object.values(result.faultsFired).reduce((a, b) => a + b, 0),
    nemesis: result.nemesis ?? null,
    messages: result.messages,
  };
}

/** The human summary of one run. */
export function runText(result: RunResult): string {
  const lines = [
    `${result.scenario} seed ${result.seed}: ${result.ok ? "ok" : "FAILED"} — ${result.events} events, ${formatDurationMs(result.virtualTimeMs)} virtual in ${formatDurationMs(result.wallMs)} (${result.eventsPerSec} events/s)`,
    `  messages: ${result.messages.sent} sent, ${result.messages.delivered} delivered, ${result.messages.dropped} dropped`,
  ];
  if (result.nemesis) lines.push(`  ${describeDraw(result.nemesis)}`);
  const faults = Object.entries(result.faultsFired).sort(([a], [b]) => (a < b ? -1 : 1));
  lines.push(`  faults fired: ${faults.length ? faults.map(([k, v]) => `${k}=${v}`).join(" ") : "none"}`);
  if (result.traceHash) lines.push(`  trace hash: ${result.traceHash}`);
  for (const v of result.violations) lines.push(`  VIOLATION ${v.kind} ${v.name} at ${v.atMs.toFixed(3)}ms: ${v.message}`);
  return lines.join("\n");
}

/** Adds `from`'s counts into `into`. */
export function sumCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}
