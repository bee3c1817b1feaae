/**
 * A task the master sent to a worker, on the master's side of the connection
 * (`worker-connection.ts`), until its result arrives or it is aborted.
 */
import type { TaskRequest } from "../executors/executor.ts";

export interface Running {
  readonly request: TaskRequest;
  /** remote name → local path of each declared output. */
  readonly outputs: Map<string, string>;
  readonly received: Set<string>;
  /** Staged path → permission bits of each streamed output file, applied when the result arrives. */
  readonly modes: Map<string, number>;
  /** Output bytes still being written (off the event loop), and the staging paths' emptying. */
  writes: Promise<void> | undefined;
  /** This attempt, as the staging area knows it. */
  readonly attempt: object;
  /** The cache entries (`<sha256>.<mode>`) its inputs are. */
  readonly inputs: ReadonlySet<string>;
  /** Task frames sent up to this one's, counted: a file sent before this frame has a lower number. */
  readonly sequence: number;
  /** Times the worker asked to run it again. */
  readonly reruns: number;
  /** Its frame follows input bytes the worker may not have yet: the worker says when it runs (`running`). */
  awaiting: boolean;
}
