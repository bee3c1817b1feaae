/**
 * What `startWorker` (`worker.ts`) takes and gives: its options, its components, how its
 * connection ends, its handle; and the task frame it receives from the master.
 */
import type { Clock } from "@skein/core";
import type { TlsInit } from "@skein/net/wire";
import type { InputCache, TaskInput } from "./input-cache.ts";
import type { ListingTurn } from "./output-listing.ts";

export interface WorkerInit {
  readonly host: string;
  readonly port: number;
  readonly cores?: number;
  readonly memoryMb?: number;
  readonly diskMb?: number;
  readonly password?: string;
  /**
   * TLS to the master, PEM contents: this worker's certificate and key, and the CA the
   * master's certificate must be signed by (host names are not checked: the password proves
   * the master).
   */
  readonly tls?: TlsInit;
  /** Where the cache and sandboxes live (a relative path is taken from the current directory, once). */
  readonly workDirectory: string;
  readonly log?: (line: string) => void;
}

export interface WorkerComponents {
  /** Time and timers for heartbeats (`realClock()` from @skein/net). */
  readonly clock: Clock;
  /**
   * The input cache, kept across connections by whoever starts them (`worker-supervisor.ts`):
   * a new connection announces what it holds, and the master sends only the rest. Default: a
   * new one in `workDirectory/cache`.
   */
  readonly cache?: InputCache;
  /** Waits between batches of a large output listing (`listOutputsInTurns`); default: the next turn of the event loop. For tests. */
  readonly outputListingTurn?: ListingTurn;
}

/** How a worker's connection ended. */
export interface WorkerEnd {
  /**
   * `finished`: the master said its workflow is over (the reason says if it failed); `stopped`: the master said it stopped
   * before that (a signal interrupted it; it keeps its log, and a rerun resumes); `refused`:
   * the handshake failed (a wrong password on either side, or not a skein flow master);
   * `killed`: `kill()`; `lost`: anything else (no master there, the connection broke, the
   * master went silent).
   */
  readonly kind: "finished" | "stopped" | "refused" | "killed" | "lost";
  readonly reason: string;
  /** Whether the master had welcomed this worker (it ran, or could run, tasks). */
  readonly welcomed: boolean;
}

export interface WorkerHandle {
  /** Resolves when the connection ends: the reason. */
  readonly closed: Promise<string>;
  /** Resolves when the connection ends: how. */
  readonly end: Promise<WorkerEnd>;
  /** Files received (each hash once), for tests. */
  readonly filesReceived: () => number;
  /** Bytes written to the connection and not yet sent, for tests (bounded: `frame-queue.ts`). */
  readonly unsentBytes: () => number;
  /** Drops the connection at once, killing running tasks (as if the worker died). */
  kill(): void;
}

export interface TaskHeader {
  task: number;
  /** Cores the task needs (default 1); tasks wait until that many are free. */
  cores?: number;
  command: string;
  environment: Record<string, string>;
  /** A file's content hash and permission bits; a directory has neither. */
  inputs: TaskInput[];
  outputs: string[];
  /** The master sent it behind input bytes: say when its command starts (a `running` frame). */
  running?: boolean;
}
