// skein-io-adapter: measures the running tasks' captured output files on the worker's disk.
/**
 * A worker's `--disk` covers its input cache, its tasks' captured standard output and error
 * (a file per sandbox, `sandbox-pool.ts`), and what tasks write in their sandboxes (measured in
 * bounded steps by `sandbox-meter.ts`): a task printing or writing gigabytes would otherwise fill
 * the disk the worker promised to stay within. The launcher writes a capture directly, so its size
 * is measured every `captureCheckMs` while tasks run: the cache keeps that much of `--disk` free
 * (its entries no task holds leave, least recently used first), and when the captures and the
 * entries tasks hold still pass `--disk`, the task taking most (capture and sandbox) is killed
 * and fails naming what grew and its size (while the entries tasks hold pass `--disk` by themselves, which
 * tasks sharing a worker may do, the captures pass it only when they alone do). Between two checks a task may print past the bound by what it writes
 * in `captureCheckMs`. Rejected: piping every task's output through the worker (a copy of every
 * byte, and a reader per task in the worker's event loop) for an exact bound.
 */
import { statSync } from "node:fs";
import type { Clock, Timer } from "@skein/core";
import { type InputCache, megabytes } from "./input-cache.ts";

/** How often the running tasks' captures are measured, when the worker has a `--disk`. */
export const captureCheckMs = 250;

export interface CaptureWatchComponents {
  readonly clock: Clock;
  readonly cache: InputCache;
  /** Bytes of captures kept by finished tasks' sandboxes (`SandboxPool.keptCaptureBytes`). */
  readonly keptBytes: () => number;
  /** The running tasks, and the file each one's output goes to. */
  readonly captures: () => Iterable<readonly [task: number, path: string]>;
  /**
   * What the running tasks wrote in their sandboxes (and their private copies of inputs),
   * measured a bounded step per check (`sandbox-meter.ts`); none when not given.
   */
  readonly sandboxes?: { measure(): void; bytes(task: number): number };
  /**
   * A task whose output or sandbox passed what `--disk` leaves: kill it, and fail it with
   * `reason`; `again` when it alone fits and passed it only with the other tasks (it may run again).
   */
  readonly overDisk: (task: number, reason: string, again: boolean) => void;
}

/** Measures the captures every `captureCheckMs` while the cache has a bound; undefined when it has none. */
export function watchCaptures(components: CaptureWatchComponents): Timer | undefined {
  const { cache } = components;
  if (!Number.isFinite(cache.bytesMax)) return undefined;
  return components.clock.setPeriodic(captureCheckMs, () => checkCaptures(components));
}

/** One check: the cache keeps room for the captures and sandboxes; the task taking most fails if they still do not fit. */
export function checkCaptures(components: CaptureWatchComponents): void {
  let bytes = components.keptBytes();
  let largest: { task: number; size: number; output: number; sandbox: number } | undefined;
  const { sandboxes } = components;
  sandboxes?.measure();
  for (const [task, path] of components.captures()) {
    const output = statSync(path, { throwIfNoEntry: false })?.size ?? 0;
    const sandbox = sandboxes?.bytes(task) ?? 0;
    const size = output + sandbox;
    bytes += size;
    // of equal ones the last started (tasks come in the order they started): it has done the least
    if (size > 0 && (!largest || size >= largest.size)) largest = { task, size, output, sandbox };
  }
  const { cache } = components;
  cache.reserve(bytes);
  // while tasks hold more input bytes than --disk together, the captures are not what passes it: they may take all of it
  const room = cache.entryBytes <= cache.bytesMax ? cache.bytesMax - cache.entryBytes : cache.bytesMax;
  if (bytes <= room || !largest) return;
  // what the task is measured against: all of --disk, or what the inputs held leave of it (said with their size, or
  // "reached 3.1 MB, more than --disk (6 MB) leaves beside the inputs" reads as a contradiction)
  const inputs = cache.bytesMax - room;
  const limit = inputs === 0 ? cache.bytesMax : room;
  // sizes that would read alike (2.04 MB and 2 MB: "reached 2 MB, more than 2 MB") are given in bytes
  const shown = megabytes(largest.size) === megabytes(limit) ? (bytes: number) => `${bytes} bytes` : megabytes;
  const leaves = inputs === 0 ? `this worker's --disk (${shown(cache.bytesMax)})` : `the ${shown(room)} this worker's --disk (${shown(cache.bytesMax)}) leaves beside the ${shown(inputs)} of inputs it holds`;
  if (largest.size > room) return components.overDisk(largest.task, `${whatGrew(largest, shown)}, more than ${leaves}: killed`, false);
  // it alone fits: the tasks beside it took the rest, and it may run again
  components.overDisk(largest.task, `${whatGrew(largest, shown)}, the most of the tasks running here, whose files and output took ${megabytes(bytes)} together, more than ${leaves}: killed`, true);
}

/** What of a task passed `--disk`: its output, the files in its sandbox, or both. */
function whatGrew({ size, output, sandbox }: { size: number; output: number; sandbox: number }, shown: (bytes: number) => string): string {
  const files = "the files in its sandbox (what it wrote there, and private copies of its inputs)";
  if (sandbox === 0) return `its output (stdout and stderr) reached ${shown(output)}`;
  if (output === 0) return `${files} reached ${shown(sandbox)}`;
  return `${files}, ${shown(sandbox)}, and its output (stdout and stderr), ${shown(output)}, reached ${shown(size)} together`;
}
