/**
 * The variables every job gets whether or not the workflow exports them, as current upstream
 * Makeflow passes them (cctools `dag_create` puts CATEGORY, CORES, MEMORY, DISK and GPUS in its
 * export set; `dag_node_env_create` adds OMP_NUM_THREADS). Without OMP_NUM_THREADS an OpenMP or
 * BLAS job starts one thread per core of the machine, so `-j 8` on an 8-core machine ran 64
 * threads; with it, a job runs as many threads as its rule reserves cores.
 *
 * The workflow's own values win over these: an exported variable of the same name replaces it,
 * and an OMP_NUM_THREADS the workflow or the master's environment gives (exported or not) is
 * passed on instead of the rule's cores.
 */
import type { Resources } from "../workflow.ts";

/** The threads variable of OpenMP (and of the BLAS libraries built on it). */
export const threadsVariable = "OMP_NUM_THREADS";

/** The variables `defaultJobEnvironment` may set: every job gets them, whether or not the workflow exports them. */
export const defaultJobVariables: readonly string[] = ["CATEGORY", "CORES", "MEMORY", "DISK", "GPUS", threadsVariable];

/**
 * The default environment of a job: `CATEGORY` when the workflow named the rule's category
 * (`category` undefined otherwise), `CORES` (the rule's, else the threads given, else 1, as
 * upstream), `MEMORY`, `DISK` and `GPUS` when the rule has them, and `OMP_NUM_THREADS`: the value
 * given (`threads`, when not empty), else the rule's cores as a whole number (at least 1), else 1.
 */
export function defaultJobEnvironment(category: string | undefined, resources: Resources, threads: string | undefined): Record<string, string> {
  const environment: Record<string, string> = {};
  if (category !== undefined) environment.CATEGORY = category;
  const given = threads === undefined || threads === "" ? undefined : threads;
  const cores = resources.cores;
  environment.CORES = cores !== undefined ? String(cores) : (given ?? "1");
  if (resources.memoryMb !== undefined) environment.MEMORY = String(resources.memoryMb);
  if (resources.diskMb !== undefined) environment.DISK = String(resources.diskMb);
  if (resources.gpus !== undefined) environment.GPUS = String(resources.gpus);
  // a fraction of a core (CORES=0.5) still runs one thread; 2.5 cores run two, not three
  environment[threadsVariable] = given ?? (cores !== undefined ? String(Math.max(1, Math.floor(cores))) : "1");
  return environment;
}
