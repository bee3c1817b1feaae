/**
 * What a worker's result frame says of its task, once its outputs are stored: the failure the
 * worker reports (`lost`, a signal, an exit code, outputs it would not send, missing outputs) or
 * success, with the command's run time as the worker measured it. Read on the master's side of
 * a connection (`worker-connection.ts`); every list and string is bounded again here, as the
 * worker bounds them (`result-bounds.ts`).
 */
import { killedBy } from "../executors/executor.ts";
import type { TaskOutcome } from "../schedule/types.ts";
import type { Frame } from "./frames.ts";
import { outputProblemsMax } from "./output-listing.ts";
import { missingNames } from "./result-bounds.ts";
import { shownOutput } from "./shown-output.ts";

export function resultOutcome(header: Frame["header"]): TaskOutcome {
  const missing = Array.isArray(header.missing) ? header.missing.map(String) : [];
  // printed under the failure: control characters (4 KiB of NULs, escape sequences) shown escaped
  const output = typeof header.output === "string" ? { output: shownOutput(header.output) } : {};
  // how long the command ran, as the worker measured it: neither its inputs' nor its outputs' transfer
  const duration = typeof header.durationMs === "number" && Number.isFinite(header.durationMs) && header.durationMs >= 0 ? { durationMs: header.durationMs } : {};
  // `elsewhere`: this worker cannot run it (an input larger than its --disk), another may
  // `again`: stopped for what it took with the tasks beside it (--disk), which it alone fits: it runs again
  if (typeof header.lost === "string") return { ok: false, reason: `on the worker, ${header.lost}`, ...output, ...(header.elsewhere === true ? { elsewhere: true } : {}), ...(header.again === true ? { again: true } : {}) };
  if (header.exitCode !== 0) return { ok: false, reason: header.signal ? killedBy(String(header.signal)) : `exit code ${String(header.exitCode)}`, ...output, ...duration };
  // outputs the worker would not (or could not) send: a link out of its sandbox, a FIFO, …
  const problems = Array.isArray(header.problems) ? header.problems.slice(0, outputProblemsMax).map((problem) => String(problem).slice(0, 1000)) : [];
  if (problems.length) return { ok: false, reason: `the command succeeded but ${problems.join("; ")}`, ...output, ...duration };
  if (missing.length) return { ok: false, reason: `the command succeeded but did not create ${missingNames(missing, header.missingMore)}`, ...output, ...duration };
  return { ok: true, ...duration };
}
