/** Resource accounting: what a task needs and what an executor has free. */
import type { Resources } from "../workflow.ts";
import type { ExecutorInfo } from "./types.ts";

export interface Capacity {
  cores: number;
  memoryMb: number;
  diskMb: number;
  gpus: number;
}

/**
 * A task with no declared cores takes one core, as does one declaring fewer (CORES=0): its
 * command holds a slot of the launcher or the worker all the same, and the scheduler counts as
 * they do. Undeclared memory, disk and GPUs take none.
 */
export function needOf(resources: Resources): Capacity {
  return { cores: Math.max(1, resources.cores ?? 1), memoryMb: resources.memoryMb ?? 0, diskMb: resources.diskMb ?? 0, gpus: resources.gpus ?? 0 };
}

export function fits(need: Capacity, free: Capacity): boolean {
  return need.cores <= free.cores && need.memoryMb <= free.memoryMb && need.diskMb <= free.diskMb && need.gpus <= free.gpus;
}

export function take(free: Capacity, need: Capacity): void {
  free.cores -= need.cores;
  free.memoryMb -= need.memoryMb;
  free.diskMb -= need.diskMb;
  free.gpus -= need.gpus;
}

export function give(free: Capacity, need: Capacity): void {
  free.cores += need.cores;
  free.memoryMb += need.memoryMb;
  free.diskMb += need.diskMb;
  free.gpus += need.gpus;
}

/**
 * What a task of `need` takes on the executor: on one whose wider tasks run alone (the local
 * machine, where -j caps how many jobs run, not how many cores one may use), a task needing
 * more cores than it has takes them all; elsewhere, its need as declared.
 */
export function needOn(need: Capacity, info: ExecutorInfo): Capacity {
  const cores = info.capacity.cores;
  return info.widerTasksRunAlone && need.cores > cores ? { ...need, cores } : need;
}

/**
 * The resources of `capacity` that `need` asks for more of than it holds: "2 cores, 100 MB
 * memory", "1 GPU". With `capacity` = `need`, what the need lacks there.
 */
export function describeShort(need: Capacity, short: Capacity, capacity: Capacity = need): string {
  const parts: string[] = [];
  if (need.cores > short.cores) parts.push(count(capacity.cores, "core"));
  if (need.memoryMb > short.memoryMb) parts.push(`${capacity.memoryMb} MB memory`);
  if (need.diskMb > short.diskMb) parts.push(`${capacity.diskMb} MB disk`);
  if (need.gpus > short.gpus) parts.push(count(capacity.gpus, "GPU"));
  return parts.join(", ");
}

/** Why no executor could run a task of `need`: what it needs that the closest one lacks, and what that one has. */
export function describeTooLarge(need: Capacity, closest: ExecutorInfo): string {
  const on = needOn(need, closest);
  const where = closest.id === "local" ? "this machine" : closest.id;
  return `needs ${describeShort(on, closest.capacity)}; ${where} has ${describeShort(on, closest.capacity, closest.capacity)}`;
}

function count(value: number, unit: string): string {
  return `${value} ${unit}${value === 1 ? "" : "s"}`;
}
