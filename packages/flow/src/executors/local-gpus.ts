// skein-io-adapter: reads the environment, /proc and nvidia-smi to count this machine's GPUs.
/**
 * How many GPUs a local run counts, found the way a GPU user expects: `CUDA_VISIBLE_DEVICES`
 * when it is set (the devices this process may use: `0,1` is two, empty or `-1` none), else
 * one per entry of `/proc/driver/nvidia/gpus` (the NVIDIA driver's list), else one per `GPU`
 * line of `nvidia-smi -L`, else none. Asked only when a rule needs GPUs, once per process.
 * The alternative rejected: always 0 (a `GPUS=1` rule could never run locally, even on a GPU
 * machine), or asking the user for a count (one more option to get wrong).
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";

export interface GpuCount {
  readonly gpus: number;
  /** Where the count came from, for a message: `counted from CUDA_VISIBLE_DEVICES=0,1` (or `/proc/driver/nvidia/gpus`, `nvidia-smi -L`), or `none found: …`. */
  readonly source: string;
}

/** What the count is read from: tests give their own. */
export interface GpuProbe {
  readonly environment: Readonly<Record<string, string | undefined>>;
  /** The entries of a directory, or undefined when it cannot be read. */
  readonly listDirectory: (path: string) => readonly string[] | undefined;
  /** The standard output of `nvidia-smi -L`, or undefined when it cannot run or fails. */
  readonly nvidiaSmi: () => string | undefined;
}

/** How long `nvidia-smi -L` may take before it counts as absent (a wedged driver can hang it). */
export const nvidiaSmiTimeoutMs = 5_000;
/** GPUs counted at most (a garbled list must not make a machine of millions). */
export const gpusMax = 1024;

export const nvidiaGpusDirectory = "/proc/driver/nvidia/gpus";

export function countGpus(probe: GpuProbe): GpuCount {
  const visible = probe.environment.CUDA_VISIBLE_DEVICES;
  if (visible !== undefined) {
    // CUDA stops at the first invalid entry; `-1` (or empty) hides every device
    const entries = visible.split(",").map((entry) => entry.trim());
    let gpus = 0;
    while (gpus < entries.length && gpus < gpusMax && entries[gpus] !== "" && !entries[gpus]!.startsWith("-")) gpus++;
    return { gpus, source: `counted from CUDA_VISIBLE_DEVICES=${visible}` };
  }
  const listed = probe.listDirectory(nvidiaGpusDirectory);
  if (listed !== undefined && listed.length > 0) return { gpus: Math.min(listed.length, gpusMax), source: `counted from ${nvidiaGpusDirectory}` };
  const smi = probe.nvidiaSmi();
  if (smi !== undefined) {
    const gpus = smi.split("\n").filter((line) => line.startsWith("GPU ")).length;
    return { gpus: Math.min(gpus, gpusMax), source: "counted from nvidia-smi -L" };
  }
  return { gpus: 0, source: `none found: CUDA_VISIBLE_DEVICES unset, no ${nvidiaGpusDirectory}, no nvidia-smi` };
}

export const systemGpuProbe: GpuProbe = {
  environment: process.env,
  listDirectory: (path) => {
    try {
      return readdirSync(path);
    } catch {
      return undefined;
    }
  },
  nvidiaSmi: () => {
    const result = spawnSync("nvidia-smi", ["-L"], { encoding: "utf8", timeout: nvidiaSmiTimeoutMs, stdio: ["ignore", "pipe", "ignore"], maxBuffer: 1 << 20 });
    return result.status === 0 ? result.stdout : undefined;
  },
};

let detected: GpuCount | undefined;

/** This machine's GPUs, detected once per process. */
export function localGpus(): GpuCount {
  detected ??= countGpus(systemGpuProbe);
  return detected;
}
