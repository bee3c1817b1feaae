import { dirname, posix } from "node:path";
import type { Clock } from "@skein/core";
import type { TlsInit } from "@skein/net/wire";
import type { GpuCount } from "../executors/local-gpus.ts";
import { fnv1a32 } from "../fnv.ts";
import { absolutePath } from "../paths.ts";
import type { NestedWorkflow, Rule } from "../workflow.ts";
import { nestedJobEnvironment } from "./nested-environment.ts";
import type { JobShare } from "./nested-job-budget.ts";
import type { EnclosingProgress } from "./progress-tally.ts";

/** Options of one flow run, as the CLI (or a test) gives them. */
export interface RunInit {
  /** The workflow file (Makeflow text, or JSON when it ends in .json/.jx). */
  readonly file: string;
  /** Directory the workflow's paths are relative to (default: the file's directory). */
  readonly directory?: string;
  /** Concurrent local jobs (default: the number of cores). */
  readonly jobs?: number;
  readonly target?: "local" | "workers" | "slurm";
  readonly clean?: boolean;
  readonly dryRun?: boolean;
  /** Write the DAG, coloured by state, to this file at the end. */
  readonly dotFile?: string;
  /** One JSON object per state change on standard output. */
  readonly json?: boolean;
  readonly retryCount?: number;
  readonly retryDelayMs?: number;
  /** Port for workers to connect to (-T workers; 0 picks a free one). */
  readonly port?: number;
  /** Workers must prove this password (and the master proves it to them); `passwordFile` is read when it is absent. */
  readonly password?: string;
  readonly passwordFile?: string;
  /**
   * TLS with workers (-T workers), PEM contents: the master's certificate and key, and the CA
   * every worker's certificate must be signed by. Workers then need TLS too.
   */
  readonly tls?: TlsInit;
  /**
   * k of the fast-abort rule mean + k·stddev (-T workers; 0 turns it off). Not given, k = 3 for
   * the categories the workflow names (CATEGORY=…) only; given, rules without CATEGORY too.
   */
  readonly fastAbortMultiplier?: number;
  /** Show the progress bar (default: when standard error is a terminal). */
  readonly progress?: boolean;
  /** Environment for variable fallback and resource defaults (default: process.env). */
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /**
   * Variables over `environment` for the workflow's variables, and beneath each rule's own in
   * its job's environment: a nested run's, the exported variables of the `MAKEFLOW` rules
   * around it (set by `nestedRunInit`, see nested-environment.ts).
   */
  readonly jobEnvironment?: Readonly<Record<string, string>>;
  /** Called with the listening port once workers can connect (-T workers). */
  readonly onListening?: (port: number) => void;
  /** Milliseconds between Slurm queue polls (default 1 000). */
  readonly slurmPollMs?: number;
  /** More sbatch options for every job (-T slurm; `-B "--partition=gpu --account=x"`), after skein's own. */
  readonly batchOptions?: readonly string[];
  /**
   * The runs a nested workflow runs inside, outermost first, each named by its log path (one
   * per file and directory): set by `nestedRunInit`, so a workflow that nests itself, directly
   * or not, fails instead of recursing.
   */
  readonly enclosing?: readonly string[];
  /**
   * How messages on standard error name the workflow file and its directory (default: `file`
   * and `directory` as given, which is how the user named them): a nested workflow's are set by
   * `nestedRunInit`, as the user would name them from where skein started (see `shownNested`).
   */
  readonly shownFile?: string;
  readonly shownDirectory?: string;
  /** Milliseconds between heartbeats on each worker connection, both ways (-T workers; default 1 000). */
  readonly heartbeatMs?: number;
  /** A worker (or, on its side, the master) silent this long is lost (-T workers; default 5 000). */
  readonly workerTimeoutMs?: number;
}

/** What a run needs from its surroundings: the CLI passes the real ones, tests may pass others. */
export interface RunComponents {
  /** Time and timers (`realClock()` from @skein/net outside a simulation). */
  readonly clock: Clock;
  /** This machine's GPUs for local runs, asked only when a rule needs some (default: `localGpus`, executors/local-gpus.ts). */
  readonly gpus?: () => GpuCount;
  /** Uniform in [0, 1): the jitter of retry delays. */
  readonly random: () => number;
  /** Where reports go (default: standard output and standard error). */
  readonly output?: Output;
  /**
   * Stops the run when aborted, as an interrupt does (running commands killed, the log kept for
   * a resume): a nested workflow's run is given one that its enclosing run aborts when it stops.
   */
  readonly stop?: AbortSignal;
  /**
   * Stops the run starting rules when aborted, as a failure of its own does (running commands
   * finish, queued rules are not started; a rerun resumes): a nested workflow's run is given one
   * that its enclosing run aborts when it stops starting rules.
   */
  readonly drain?: AbortSignal;
  /**
   * A nested workflow's run reports its rules' counts here, so the one progress bar (the top
   * run's) and its ETA count them too (see ProgressTally).
   */
  readonly enclosingProgress?: EnclosingProgress;
  /**
   * Told why the run failed (a workflow error, the rule that failed, a file it cannot use): a
   * nested run's, so that the rule that ran it says why (`nested workflow sub.mf failed: rule
   * 'y' (sub.mf:4:1) failed: exit code 1`), in its --json event too.
   */
  readonly onFailed?: (reason: string) => void;
  /**
   * The run's part of the job budget all runs of one `skein flow` share (nested-job-budget.ts):
   * a nested run's is given by the run around it; the top run makes one of its `-j`.
   */
  readonly jobs?: JobShare;
}

/** Levels of nested workflows a run descends, and `--clean` too. */
export const nestingDepthMax = 32;

/**
 * The options a nested workflow rule (`MAKEFLOW file [dir]`) runs with: its file and directory
 * relative to the parent's directory, the parent's concurrency, retries (count and delay),
 * environment (for variables the workflow does not set) with the rule's exported variables
 * (nested-environment.ts), and output format. `nested` is the rule's, unless read otherwise
 * (`nestedFileReading`). Every reading of a nested workflow (its run, --dry-run, completeness,
 * conflicts, --clean) uses these options, so it plans the same.
 */
export function nestedRunInit(parentDirectory: string, rule: Rule, parent: RunInit, parentLogPath?: string, nested: NestedWorkflow = rule.nested!): RunInit {
  return {
    ...shownNested(nested, parent),
    enclosing: parentLogPath === undefined ? undefined : [...(parent.enclosing ?? []), parentLogPath],
    // a `..` after a name kept as written, for the kernel: `a/../d` is not `d` when `a` is a link (paths.ts)
    file: absolutePath(parentDirectory, nested.file),
    directory: absolutePath(parentDirectory, nested.directory ?? "."),
    jobs: parent.jobs,
    progress: false,
    json: parent.json,
    retryCount: parent.retryCount,
    retryDelayMs: parent.retryDelayMs,
    environment: parent.environment,
    jobEnvironment: nestedJobEnvironment(parent.jobEnvironment, rule),
  };
}

/** How the user named a run's workflow file, and the directory it runs in (see `RunInit.shownFile`). */
export function shownFile(init: RunInit): string {
  return init.shownFile ?? init.file;
}

export function shownDirectory(init: RunInit): string {
  return init.shownDirectory ?? init.directory ?? posix.dirname(init.file);
}

/**
 * A nested workflow's file and directory as the user would name them: as its `MAKEFLOW` rule
 * wrote them, joined to the enclosing run's directory as the user named it (`sub/leaf.mf` for
 * `MAKEFLOW leaf.mf` in `sub/sub.mf`; `dir/sub.mf` when skein started on `dir/w.mf`; absolute
 * as written, or when the user named the top workflow by an absolute path). So a nested run's
 * messages name files as the top run's do (`sub.mf:3:1: …`), not by an absolute path.
 */
function shownNested(nested: NestedWorkflow, parent: RunInit): { shownFile: string; shownDirectory: string } {
  const directory = shownDirectory(parent);
  const written = nested.written ?? nested.file;
  return {
    shownFile: posix.isAbsolute(written) ? written : posix.join(directory, written),
    shownDirectory: nested.directory === undefined ? directory : posix.isAbsolute(nested.directory) ? nested.directory : posix.join(directory, nested.directory),
  };
}

/**
 * How --json names a nested run, in its run events and its rules': its workflow file and the
 * directory it runs in (one file may run nested in several directories at once; the pair is
 * unique among the runs in progress, as a workflow cannot nest itself). The top run: nothing
 * (its rules' events carry no `run`, its run events name its file as given).
 */
export function nestedRunName(init: RunInit): { readonly run: string; readonly directory: string } | undefined {
  return init.enclosing === undefined ? undefined : { run: init.file, directory: init.directory ?? dirname(init.file) };
}

/**
 * The transaction log of a workflow run: `<file>.skeinlog` beside the file. A workflow run in
 * another directory than its file's — a nested `MAKEFLOW file dir`, possibly one file run in
 * several directories — keeps one log per directory, `<file>.<hash of the directory>.skeinlog`:
 * each run's log then speaks only of the files in its own directory.
 */
export function workflowLogPath(file: string, directory: string): string {
  return directory === dirname(file) ? `${file}.skeinlog` : `${file}.${fnv1a32(directory)}.skeinlog`;
}

export interface Output {
  out(text: string): void;
  err(text: string): void;
  /**
   * Calls `closed` once if the reader of `out` or of `err` goes away (`skein flow --json |
   * head`, `skein flow w.mf 2>&1 | head`); later text for it is dropped. Returns how to stop
   * listening.
   */
  onOutClosed?(closed: (reason: string) => void): () => void;
}
