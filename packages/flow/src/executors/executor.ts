/**
 * The seam between the scheduler's decisions and the machines that run tasks. An executor
 * runs the tasks the scheduler places on it and reports each one's outcome once; a pool of
 * workers is a set of executors that join and leave.
 */
import { constants } from "node:os";
import type { ExecutorInfo, TaskOutcome } from "../schedule/types.ts";
import type { Rule } from "../workflow.ts";

export interface TaskRequest {
  readonly task: number;
  readonly rule: Rule;
  readonly attempt: number;
}

export interface Executor {
  readonly info: ExecutorInfo;
  start(request: TaskRequest): void;
  /** Stops a task; its outcome is no longer wanted. */
  abort(task: number): void;
  /** Ends the executor's part in the run; `end` says whether the run was stopped (see RunEnd). */
  close(end?: RunEnd): Promise<void>;
}

/**
 * How a run ended, as executors and back ends hear it: `stopped` names why a run was stopped
 * before it was over (a signal, `--json`'s reader gone, a log that cannot be written) — its log
 * is kept for a resume, so workers should wait for the master to come back rather than leave;
 * `failed` names why a run that was over failed (a rule failed for good), so workers can say so.
 * Neither: the run succeeded.
 */
export interface RunEnd {
  readonly stopped?: string;
  readonly failed?: string;
}

/** What executors tell the driver. */
export interface ExecutorListener {
  joined(executor: Executor): void;
  left(executorId: string, reason: string): void;
  finished(task: number, outcome: TaskOutcome): void;
  /**
   * The task's command cannot start before its input files arrive (a worker still receiving
   * them): fast abort leaves it alone until `running`. Executors that start a task when asked
   * need neither.
   */
  awaiting?(task: number): void;
  /** The command of a task reported `awaiting` started now: fast abort judges it from now. */
  running?(task: number): void;
  /**
   * Runs `report` (which calls `finished` for several tasks) as one batch: the driver acts on
   * the batch once — one scheduler pass, one log write, one round of starts.
   */
  batch?(report: () => void): void;
}

/** Missing targets a failure names; past this many it says how many more there are. */
export const missingNamedMax = 10;

/** `a, b, c`, or the first `missingNamedMax` and `and N more`. */
export function missingList(paths: readonly string[]): string {
  if (paths.length <= missingNamedMax) return paths.join(", ");
  return `${paths.slice(0, missingNamedMax).join(", ")} and ${paths.length - missingNamedMax} more`;
}

/** Signal numbers by name and names by number, from this machine's `os.constants.signals`. */
const signalNumbers: Readonly<Record<string, number>> = constants.signals;
const signalNames = new Map<number, string>();
for (const [name, number] of Object.entries(signalNumbers)) if (!signalNames.has(number)) signalNames.set(number, name);

/**
 * A command's death by a signal, the same on every back end, both ways a user may look it up:
 * `killed by SIGKILL (signal 9)`. `signal` is a name (`SIGKILL`, as Node reports it), a number,
 * or `signal N` (as the launcher, Slurm's status file and workers report it); a number this
 * machine has no name for stays `killed by signal N`, a name it has no number for `killed by SIGX`.
 */
export function killedBy(signal: string | number): string {
  const written = typeof signal === "number" ? String(signal) : signal.replace(/^signal /, "");
  const number = /^[0-9]+$/.test(written) ? Number(written) : signalNumbers[written];
  const name = typeof number === "number" ? signalNames.get(number) : undefined;
  if (number === undefined) return `killed by ${written}`;
  return name === undefined ? `killed by signal ${number}` : `killed by ${name} (signal ${number})`;
}
