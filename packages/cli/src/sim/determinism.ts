import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface DeterminismVerdict {
  readonly ok: boolean;
  readonly lines: number;
  readonly hashes: [string, string];
  /** The first differing event: 1-based line number and each run's line. */
  readonly firstDifference?: { line: number; first: string; second: string };
  readonly error?: string;
}

/** Bytes of child-process output kept for error messages. */
const CHILD_OUTPUT_BYTES_MAX = 64 * 1024 * 1024;

/**
 * Runs the same seed twice in fresh processes, each writing a trace, and compares the traces
 * event by event. Fresh processes rule out state leaking between runs in one process.
 */
export function checkDeterminism(scenarioFile: string, seed: number, runFlags: string[]): DeterminismVerdict {
  const dir = mkdtempSync(join(tmpdir(), "skein-determinism-"));
  try {
    const bin = new URL("../../bin/skein.js", import.meta.url).pathname;
    const traces: string[] = [];
    const hashes: string[] = [];
    for (const run of ["a", "b"]) {
      const trace = join(dir, `${run}.jsonl`);
      const child = spawnSync(process.execPath, [bin, "sim", scenarioFile, "--seed", String(seed), "--trace", trace, "--json", ...runFlags], {
        encoding: "utf8",
        maxBuffer: CHILD_OUTPUT_BYTES_MAX,
      });
      if (child.status === null || !child.stdout) {
        return { ok: false, lines: 0, hashes: ["", ""], error: `run ${run} did not finish: ${child.error?.message ?? child.stderr}` };
      }
      hashes.push(JSON.parse(child.stdout).traceHash ?? "");
      traces.push(readFileSync(trace, "utf8"));
    }
    const a = traces[0]!.split("\n");
    const b = traces[1]!.split("\n");
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (a[i] !== b[i]) {
        return { ok: false, lines: a.length - 1, hashes: [hashes[0]!, hashes[1]!], firstDifference: { line: i + 1, first: a[i] ?? "<end of trace>", second: b[i] ?? "<end of trace>" } };
      }
    }
    return { ok: hashes[0] === hashes[1], lines: a.length - 1, hashes: [hashes[0]!, hashes[1]!] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
