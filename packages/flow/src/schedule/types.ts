/** Events the scheduler takes and actions it returns. Times are milliseconds on the driver's clock. */
import type { BackoffInit } from "@skein/ftsh/backoff";
import type { Capacity } from "./capacity.ts";

export type RuleState = "waiting" | "ready" | "running" | "retrying" | "done" | "failed";

export interface ExecutorInfo {
  /** Unique and stable for the executor's life, e.g. "local" or "worker-3". */
  readonly id: string;
  readonly capacity: Capacity;
  /** Runs `LOCAL` rules (it is the master's own machine). */
  readonly runsLocalRules: boolean;
  /** Runs the other rules. */
  readonly runsRemoteRules: boolean;
  /**
   * A task needing more cores than it has runs alone, taking them all (the local machine: -j
   * caps how many jobs run at once, as make's and Makeflow's do, not how many cores one may use).
   * Without it, such a task waits for a larger executor, or fails when none may join.
   */
  readonly widerTasksRunAlone?: boolean;
  /** Tasks on it may be fast-aborted and rerun elsewhere (workers). */
  readonly fastAbort: boolean;
  /**
   * Cores' worth of tasks it accepts beyond its free cores, queued on the executor and started
   * as cores free up (default 0). A remote worker then always has its next task at hand instead
   * of waiting a network round trip after each one; its other resources are never overcommitted.
   */
  readonly pipelineCores?: number;
  /**
   * Tasks wait in a queue of the executor's own that the scheduler cannot reckon (a batch
   * system's: Slurm decides when a job runs), and the executor says when each one's command
   * starts (`task-running`). Until then the task is queued, not started: no `started` action,
   * no fast-abort clock, its duration not counted, `not started` when the run stops, dropped
   * when a rule fails for good.
   */
  readonly startsReported?: boolean;
  /**
   * Why this executor cannot hold the rule's inputs in its cache at once (more than its
   * `capacity.diskMb`), and their bytes; undefined when it can, or cannot tell. Asked before a
   * task is placed on it (workers: the master lists the inputs), so a task is never reported
   * `running` on an executor that refuses it before it is sent: the rule goes to one whose disk
   * holds them, or waits for one (`disk-waits.ts`).
   */
  readonly inputsOverDisk?: (rule: number) => { readonly reason: string; readonly bytes: number } | undefined;
}

/**
 * `durationMs`: how long the command itself ran, when the executor measured it (a task may wait
 * in an executor's queue first); otherwise the scheduler counts from dispatch.
 */
export type TaskOutcome =
  | { readonly ok: true; readonly durationMs?: number }
  /**
   * `permanent`: retrying cannot help (bad sandbox path, impossible resources). `output`: the end
   * of the command's stdout and stderr, when the back end captured it (workers, Slurm).
   * `elsewhere`: this executor cannot run the task (an input larger than a worker's disk), but
   * another may: while one that may run it is connected, it runs there, and this is no failure.
   * `inputBytes` (with `elsewhere`): the task's inputs take that much of an executor's disk
   * (`capacity.diskMb`) at once, more than this one has: it goes only to executors with as much,
   * and waits for one to join while none is connected.
   * `again`: the executor stopped it for what the tasks beside it took together (a worker's
   * --disk, which it alone fits): no failure of the rule, which runs again, as when an executor
   * leaves (at most `lostRunsPerRuleMax` times).
   */
  | { readonly ok: false; readonly reason: string; readonly permanent?: boolean; readonly elsewhere?: boolean; readonly inputBytes?: number; readonly again?: boolean; readonly output?: string; readonly durationMs?: number };

export type SchedulerEvent =
  | { readonly type: "executor-joined"; readonly executor: ExecutorInfo }
  | { readonly type: "executor-left"; readonly executorId: string; readonly reason: string }
  | { readonly type: "task-finished"; readonly task: number; readonly outcome: TaskOutcome }
  /**
   * The task's command cannot start before its input files arrive (a worker still receiving
   * them): fast abort leaves it alone until `task-running`.
   */
  | { readonly type: "task-awaiting"; readonly task: number }
  /**
   * The task's command started only now, later than the scheduler counted (its inputs had been
   * on their way), or — on an executor with `startsReported` — at all: fast abort judges it
   * from now, and a sample without the executor's own `durationMs` counts from now.
   */
  | { readonly type: "task-running"; readonly task: number }
  /** Time passed: run what is due (retries, fast-abort deadlines). */
  | { readonly type: "tick" }
  /**
   * Stop: start nothing more, abort what runs, finish unsuccessfully. `unstarted`: tasks the
   * driver never gave their executor (the log could not record their batch).
   */
  | { readonly type: "stop"; readonly reason: string; readonly unstarted?: readonly number[] }
  /** Start nothing more, let what runs finish, finish unsuccessfully: as after a failure for good (a nested run, when the run around it stops starting rules). */
  | { readonly type: "drain"; readonly reason: string };

/**
 * `attempt` in `state` and `started` actions (the log's and --json's) counts the rule's attempts
 * as --retry-count does: 1 for its first run, one more after each failure retried; 0 before any
 * start. A task moved to another executor, or rerun after its executor left or after it was
 * stopped for what the tasks beside it took, keeps its attempt. A `start` action's `attempt` is
 * instead the rule's n-th start in this run (moves and reruns included), from 1.
 */
export type SchedulerAction =
  | { readonly type: "start"; readonly task: number; readonly rule: number; readonly attempt: number; readonly executorId: string }
  | { readonly type: "abort"; readonly task: number; readonly rule: number; readonly executorId: string; readonly reason: string }
  /**
   * With `reportStarts`: a started task got its cores — at once on an executor without a queue,
   * when the tasks ahead of it in an executor's queue (`pipelineCores`) left it a core, or when
   * an executor with `startsReported` said its command started (`task-running`).
   */
  | { readonly type: "started"; readonly task: number; readonly rule: number; readonly attempt: number; readonly executorId: string }
  | {
      readonly type: "state";
      readonly rule: number;
      readonly state: RuleState;
      readonly attempt: number;
      readonly executorId?: string;
      readonly reason?: string;
      /** The reason is routine (a task moved to an idle executor): for --json, not for the terminal. */
      readonly routine?: boolean;
      readonly durationMs?: number;
      /** `retrying`: in how many milliseconds the rule is ready again (the backoff's delay, as its reason says it). */
      readonly retryInMs?: number;
      /** A failed task's captured output (see TaskOutcome), to show under its failure. */
      readonly output?: string;
      /**
       * Back to `waiting` because the run stopped: its command was `killed` (or its executor
       * lost), or it was dispatched but `not-started`. Said once for all by the run, not per rule.
       */
      readonly unfinished?: "killed" | "not-started";
    }
  /**
   * With `executorsMayJoin`: ready rules like `rule` fit no executor connected that may run them,
   * so they wait for a larger one; `reason` says what they need and what the largest offers
   * ("needs 4 cores, 2000 MB memory; the largest worker connected (worker-1) offers 2 cores,
   * 1000 MB memory: waiting for a larger worker"). Once per situation: again only when an
   * executor joins that still does not fit, or the largest one connected changes.
   */
  | { readonly type: "stalled"; readonly rule: number; readonly reason: string }
  | { readonly type: "finished"; readonly ok: boolean; readonly reason?: string };

export interface SchedulerInit {
  /** Failed attempts retried per rule before it fails for good (default 0: no retries unless asked). */
  retryCount?: number;
  backoff?: BackoffInit;
  /** k in mean + k·stddev for fast abort; undefined turns fast abort off. */
  fastAbortMultiplier?: number;
  /** Successful tasks of a category needed before fast abort judges it (default 10). */
  fastAbortSamplesMin?: number;
  /** Slack added so near-identical tasks are not aborted for noise (default 1 000 ms). */
  fastAbortSlackMs?: number;
  /** Samples per task fast-aborted at once (default 4): more tasks overdue together are not stragglers. */
  fastAbortSamplesPerOverdue?: number;
  /**
   * Judge the rules without CATEGORY (category 'default') too; off by default, only the
   * categories a workflow names are judged: rules declared alike (`task-starts.ts`).
   */
  fastAbortDefaultCategory?: boolean;
  /** Fast aborts per rule before it is left to run (default 3: `fastAbortsPerRuleMaxDefault`). */
  fastAbortsPerRuleMax?: number;
  /** Reruns of a rule after losing its executor before it fails for good (default 10). */
  lostRunsPerRuleMax?: number;
  /**
   * Whether executors may still join (workers): then a rule too big for every executor waits
   * (reported as `stalled`), except a LOCAL rule too big for the master's machine, which fails.
   */
  executorsMayJoin?: boolean;
  /** Emit a `started` action when a task gets its cores (for --json; off, it costs nothing). */
  reportStarts?: boolean;
}

export interface SchedulerComponents {
  /** Uniform in [0, 1): the jitter of retry delays (seeded in simulation). */
  random(): number;
  /** Rules already complete (from the transaction log). */
  isDone(rule: number): boolean;
}
