/** Resource accounting: what a task needs and what an executor has free. */
import type { Resources } from "../workflow.ts";

export interface Capacity {
  cores: number;
  memoryMb: number;
  diskMb: number;
  gpus: number;
}

/** A task with no declared cores takes one core; undeclared memory, disk and GPUs take none. */
export function needOf(resources: Resources): Capacity {
  return { cores: resources.cores ?? 1, memoryMb: resources.memoryMb ?? 0, diskMb: resources.diskMb ?? 0, gpus: resources.gpus ?? 0 };
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

export function describeNeed(need: Capacity): string {
  return `${need.cores} cores, ${need.memoryMb} MB memory, ${need.diskMb} MB disk, ${need.gpus} GPUs`;
}
