/**
 * What the executor conformance suite needs from a flow back end (local processes, workers that
 * call home, Slurm). The suite speaks in plain tasks and workflow files, so testkit does not
 * depend on flow: flow's tests adapt each back end to this shape (flow depends on testkit, not
 * the other way round).
 */

/** Cores every back end offers the suite's tasks: the single-node Slurm test cluster has 2 CPUs. */
export const conformanceCores = 2;

/** One task, as the scheduler would place it. Paths are relative to the master's directory. */
export interface TaskSpec {
  readonly command: string;
  readonly sources?: readonly string[];
  readonly targets?: readonly string[];
  /** Exported variables. */
  readonly environment?: Readonly<Record<string, string>>;
  readonly cores?: number;
}

/** A task's outcome as the executor reports it to the scheduler. */
export type TaskReport =
  | { readonly ok: true }
  /** `output`: the tail of the command's standard output and error, when the back end captured it. */
  | { readonly ok: false; readonly reason: string; readonly output?: string };

/** One back end's executor, ready to take tasks. */
export interface ExecutorUnderTest {
  /** Starts a task; resolves with its outcome, reported once — and never after `abort`. */
  start(task: number, spec: TaskSpec): Promise<TaskReport>;
  /** The scheduler no longer wants the task: stop it and everything it started. */
  abort(task: number): void;
  close(): Promise<void>;
}

/** The behaviours, each one test; a back end may skip one with a reason (`ExecutorHarness.skips`). */
export type ExecutorCase =
  | "success"
  | "exit-code"
  | "signal"
  | "outputs"
  | "missing-target"
  | "inputs"
  | "environment"
  | "failure-output"
  | "abort"
  | "abort-before-start"
  | "cores"
  | "dag";

export interface ExecutorHarness {
  /** The back end's name, for test titles ("local", "workers", "slurm"). */
  readonly name: string;
  /** Why the back end cannot run on this machine: every case is skipped, saying so. */
  readonly unavailable?: string;
  /** Cases this back end legitimately cannot show, each with the reason. Keep them rare. */
  readonly skips?: Partial<Record<ExecutorCase, string>>;
  /** Time limit per case (default 30 s; Slurm schedules and polls, so it may need more). */
  readonly timeoutMs?: number;
  /** Runs once before the cases (e.g. starts the Slurm cluster) and once after them. */
  setUp?(): void | Promise<void>;
  tearDown?(): void | Promise<void>;
  /** An executor whose master works in `directory` (which exists and is empty). */
  executor(directory: string): Promise<ExecutorUnderTest>;
  /**
   * Runs `skein flow` on the workflow file (in its own directory) with this back end, offering
   * `conformanceCores` cores to tasks; resolves with the exit code and what went to stderr.
   */
  runFlow(file: string): Promise<{ code: number; err: string }>;
}
