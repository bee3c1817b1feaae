// skein-io-adapter: reads the environment, /proc and nvidia-smi to count this machine's GPUs.
/**
 * How many GPUs a local run counts, found the way a GPU user expects: `CUDA_VISIBLE_DEVICES`
 * when it is set (the devices this process may use: `0,1` is two, empty or `-1` none), else
 * one per entry of `/proc/driver/nvidia/gpus` (the NVIDIA driver's list), else one per `GPU`
 * line of `nvidia-smi -L`, else none. Asked only when a rule needs GPUs, once per process.
 * Each running GPU rule is given devices of its own in `CUDA_VISIBLE_DEVICES` (GpuDevices),
 * so two 1-GPU rules at once do not both land on the first GPU, CUDA's default.
 * The alternative rejected: always 0 (a `GPUS=1` rule could never run locally, even on a GPU
 * machine), or asking the user for a count (one more option to get wrong).
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";

export interface GpuCount {
  readonly gpus: number;
  /**
   * The devices to hand out, one a GPU (`CUDA_VISIBLE_DEVICES`'s entries when it is set, else
   * `0` … `gpus - 1`): each running GPU rule gets its own in `CUDA_VISIBLE_DEVICES`.
   */
  readonly devices?: readonly string[];
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

function numbered(gpus: number, source: string): GpuCount {
  return { gpus, devices: Array.from({ length: gpus }, (_, index) => String(index)), source };
}

export function countGpus(probe: GpuProbe): GpuCount {
  const visible = probe.environment.CUDA_VISIBLE_DEVICES;
  if (visible !== undefined) {
    // CUDA stops at the first invalid entry; `-1` (or empty) hides every device
    const entries = visible.split(",").map((entry) => entry.trim());
    let gpus = 0;
    while (gpus < entries.length && gpus < gpusMax && entries[gpus] !== "" && !entries[gpus]!.startsWith("-")) gpus++;
    return { gpus, devices: entries.slice(0, gpus), source: `counted from CUDA_VISIBLE_DEVICES=${visible}` };
  }
  const listed = probe.listDirectory(nvidiaGpusDirectory);
  if (listed !== undefined && listed.length > 0) return numbered(Math.min(listed.length, gpusMax), `counted from ${nvidiaGpusDirectory}`);
  const smi = probe.nvidiaSmi();
  if (smi !== undefined) {
    const gpus = smi.split("\n").filter((line) => line.startsWith("GPU ")).length;
    return numbered(Math.min(gpus, gpusMax), "counted from nvidia-smi -L");
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

/**
 * The devices free for the next GPU rule: taken when its command is sent to the launcher (the
 * scheduler sends a GPU rule only when its GPUs are free), given back when it ends.
 */
export class GpuDevices {
  private readonly free: string[];
  private readonly held = new Map<number, string[]>();

  constructor(devices: readonly string[]) {
    this.free = [...devices];
  }

  /**
   * The environment of task `task` needing `gpus`: `CUDA_VISIBLE_DEVICES` set to devices of its
   * own, unless the rule sets it itself (its choice wins) or too few are free (unchanged). A rule
   * that declares `GPUS=0` gets it empty, so CUDA shows it no device (not the GPUs handed to GPU
   * rules); one that declares no GPUS keeps the environment as it is (a workflow that never
   * speaks of GPUs runs as the master was started, as upstream Makeflow's local jobs do).
   */
  take(task: number, gpus: number | undefined, environment: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
    if (gpus === 0 && !("CUDA_VISIBLE_DEVICES" in environment)) return { ...environment, CUDA_VISIBLE_DEVICES: "" };
    const count = Math.ceil(gpus ?? 0);
    if (count <= 0 || count > this.free.length || "CUDA_VISIBLE_DEVICES" in environment) return environment;
    const devices = this.free.splice(0, count);
    this.held.set(task, devices);
    return { ...environment, CUDA_VISIBLE_DEVICES: devices.join(",") };
  }

  /** Gives back what `task` held (it ended or was aborted). */
  release(task: number): void {
    const devices = this.held.get(task);
    if (devices === undefined) return;
    this.held.delete(task);
    this.free.push(...devices);
    this.free.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
