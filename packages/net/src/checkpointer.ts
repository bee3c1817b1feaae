/**
 * Periodic checkpoints of a recorded node, so that `skein replay --from N:K` can start in the
 * middle of a long run rather than at its process start.
 *
 * A checkpoint is only taken at a quiescent moment: in a macrotask of its own (every promise
 * continuation of earlier inputs has run), with no call awaiting a reply, no async handler or
 * callback running and no storage sync in flight (see `@skein/core`'s `checkpoint.ts`). Then
 * the node's memory is its services' `checkpoint()` states plus their armed timers, which
 * `restore` re-creates. Every `everyMs` the checkpointer tries; while the node is busy it tries
 * again every `CHECKPOINT_RETRY_MS`, so the checkpoint lands on the first quiescent turn it
 * sees. A node with a service that cannot checkpoint records none (and says so once).
 *
 * A checkpoint holds the whole storage, so its size grows with the storage: one bigger than
 * `bytesMax` is skipped (with a warning) rather than written.
 */
import type { LogEntry, NodeHost } from "@skein/core";
import { pack } from "./codec.ts";
import type { Recorder } from "./recorder.ts";
import type { CheckpointRecord, StorageSnapshot } from "./recording.ts";

/** Default interval between checkpoints of a recorded node (`NetInit.checkpointEveryMs`; 0 = none). */
export const CHECKPOINT_EVERY_MS_DEFAULT = 1_000;
/** Default largest encoded checkpoint (`NetInit.checkpointBytesMax`); bigger ones are skipped. */
export const CHECKPOINT_BYTES_MAX_DEFAULT = 8 * 1024 * 1024;
/** While the node is not quiescent, the next attempt comes this much later. */
export const CHECKPOINT_RETRY_MS = 5;

export interface CheckpointerInit {
  readonly everyMs?: number;
  readonly bytesMax?: number;
}

/** What a checkpoint is made of; NetNode provides it (and tests provide their own). */
export interface CheckpointerComponents {
  readonly host: NodeHost;
  readonly recorder: Recorder;
  /** The storage as the services see it. */
  storage(): StorageSnapshot;
  /** Storage syncs started and not yet completed. */
  syncsPending(): number;
  /** Every timer the runtime has armed for the node, by handle, with its recorded id. */
  readonly timers: ReadonlyMap<unknown, number>;
  log(level: LogEntry["level"], message: string): void;
}

/**
 * The checkpoint of the node now, or why there can be none now: "busy" (try again soon),
 * "unable: …" (services cannot checkpoint: never), or "failed: …" (this one went wrong).
 */
export function captureCheckpoint(parts: CheckpointerComponents, index: number): Omit<CheckpointRecord, "timeMs"> | string {
  const { host, recorder } = parts;
  if (!host.up) return "busy";
  const missing = host.servicesWithoutCheckpoint();
  if (missing.length > 0) return `unable: ${missing.join(", ")} cannot checkpoint`;
  if (!host.quiescent || parts.syncsPending() > 0) return "busy";
  const handles = host.armedTimers();
  if (handles.length !== parts.timers.size) return `failed: ${parts.timers.size} timers armed, services own ${handles.length}`;
  const timers: number[] = [];
  for (const handle of handles) {
    const id = parts.timers.get(handle);
    if (id === undefined) return "failed: a service timer the runtime does not know";
    timers.push(id);
  }
  let captured: ReturnType<NodeHost["checkpoint"]>;
  try {
    captured = recorder.sealed(() => host.checkpoint());
  } catch (error) {
    return `failed: ${(error as Error).message}`;
  }
  return { index, host: captured, storage: parts.storage(), timers, timersArmed: recorder.timersArmed, syncsStarted: recorder.syncsStarted };
}

/** Takes a checkpoint every `everyMs` (at the first quiescent turn after it), until stopped. */
export class Checkpointer {
  /** Checkpoints written so far. */
  taken = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly everyMs: number;
  private readonly bytesMax: number;

  constructor(
    private readonly parts: CheckpointerComponents,
    init: CheckpointerInit = {},
  ) {
    this.everyMs = init.everyMs ?? CHECKPOINT_EVERY_MS_DEFAULT;
    this.bytesMax = init.bytesMax ?? CHECKPOINT_BYTES_MAX_DEFAULT;
  }

  start(): void {
    if (this.everyMs > 0) this.schedule(this.everyMs);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => this.attempt(), delayMs);
    this.timer.unref();
  }

  /** In a macrotask of its own: every continuation of the previous one has run. */
  private attempt(): void {
    const outcome = captureCheckpoint(this.parts, this.taken + 1);
    if (outcome === "busy") return this.schedule(CHECKPOINT_RETRY_MS);
    if (typeof outcome === "string") {
      this.parts.log(outcome.startsWith("unable") ? "info" : "warn", `no checkpoint: ${outcome}`);
      if (outcome.startsWith("unable")) return this.stop();
      return this.schedule(this.everyMs);
    }
    let bytes: number;
    try {
      bytes = pack(outcome).length;
    } catch (error) {
      this.parts.log("warn", `checkpoint skipped: its state cannot be encoded: ${(error as Error).message}`);
      return this.schedule(this.everyMs);
    }
    if (bytes > this.bytesMax) {
      this.parts.log("warn", `checkpoint skipped: ${bytes} bytes exceeds checkpointBytesMax ${this.bytesMax}`);
    } else {
      this.taken++;
      this.parts.recorder.checkpoint(outcome);
    }
    this.schedule(this.everyMs);
  }
}
