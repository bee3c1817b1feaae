/**
 * Why a task cannot be sent to a worker, found on the master before anything is sent: its frame
 * would pass the frame limit (for every worker), or its inputs would not fit in this worker's
 * cache at once, which its `--disk` bounds (another worker may have room: the outcome says
 * `elsewhere`). A worker that got such a task would refuse it, or thrash its cache.
 */
import { cachedFileName } from "./file-modes.ts";
import type { ShippedEntry } from "./file-catalog.ts";
import { frameBytesMax } from "./frames.ts";
import { megabytes } from "./input-cache.ts";

/** Why a task whose frame passes the frame limit is not sent. */
export function tooLarge(bytes: number, inputs: number, mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`): string {
  return `its task frame (command, environment and ${inputs} input names) would take ${mib(bytes)}, more than the ${mib(frameBytesMax)} a frame may have: ship fewer files (an archive of a large directory input) or shorter names`;
}

/** Why a task's inputs cannot all be in a worker's cache at once (more than its --disk), and their bytes; undefined when they can. */
export function inputsOverDisk(inputs: readonly ShippedEntry[], diskMb: number, worker: string): { reason: string; bytes: number } | undefined {
  const sizes = new Map<string, number>();
  for (const { hash, mode, size } of inputs) if (hash && mode !== undefined) sizes.set(cachedFileName(hash, mode), size);
  let bytes = 0;
  for (const size of sizes.values()) bytes += size;
  if (bytes <= diskMb * 1_000_000) return undefined;
  return { reason: `its inputs take ${megabytes(bytes)}${sizes.size > 1 ? " together" : ""}, more than ${worker}'s --disk (${megabytes(diskMb * 1_000_000)})`, bytes };
}
