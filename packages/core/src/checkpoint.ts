/**
 * Checkpoints of a node's memory, so that a replay can start in the middle of a recorded run
 * (`skein replay --from N:K`) instead of at the process start.
 *
 * The intuition: JavaScript cannot snapshot a heap of closures and suspended `await`s, but a
 * node that is **quiescent** — no call it made awaits a reply, no async handler or callback is
 * still running — holds nothing in suspended code. Its whole memory is then what its services
 * keep in plain variables, plus the timers they have armed. A service that can write its state
 * out (`checkpoint`) and rebuild it, re-arming its timers (`restore`), can be resumed exactly;
 * storage and the runtime's counters are captured by the runtime. The alternative, asking
 * services to serialise pending calls and promise chains, would be a burden nobody carries.
 * A checkpoint is opt-in: a node with one service that does not implement both hooks has none.
 */
import type { ServiceContext } from "./context.ts";
import { CheckpointError } from "./errors.ts";
import { armedTimerHandles } from "./timer.ts";

/** What `NodeHost` contributes to a checkpoint (storage and timer ids are the runtime's part). */
export interface HostCheckpoint {
  /** Call ids continue from here: `callIdBase × 2¹⁶ + callCount` was the last one. */
  readonly callIdBase: number;
  readonly callCount: number;
  /** `[service name, checkpoint() state]`, in start order. */
  readonly services: Array<[string, unknown]>;
}

/** Names of the services that lack `checkpoint` or `restore`. */
export function servicesWithoutCheckpoint(contexts: readonly ServiceContext[]): string[] {
  return contexts.filter((c) => typeof c.instance?.checkpoint !== "function" || typeof c.instance.restore !== "function").map((c) => c.serviceName);
}

/** Every service's state, in start order. */
export function captureServices(contexts: readonly ServiceContext[]): Array<[string, unknown]> {
  const missing = servicesWithoutCheckpoint(contexts);
  if (missing.length > 0) throw new CheckpointError(`services ${missing.join(", ")} cannot checkpoint`);
  return contexts.map((c) => [c.serviceName, c.instance!.checkpoint!() ?? null]);
}

/** Hands each fresh service instance its checkpointed state, one after the other, in start order. */
export async function restoreServices(contexts: readonly ServiceContext[], states: ReadonlyArray<[string, unknown]>): Promise<void> {
  const names = contexts.map((c) => c.serviceName);
  if (names.join("\0") !== states.map(([name]) => name).join("\0")) {
    throw new CheckpointError(`the checkpoint holds services [${states.map(([n]) => n).join(", ")}], the node has [${names.join(", ")}]`);
  }
  const missing = servicesWithoutCheckpoint(contexts);
  if (missing.length > 0) throw new CheckpointError(`services ${missing.join(", ")} cannot restore a checkpoint`);
  for (let i = 0; i < contexts.length; i++) await contexts[i]!.instance!.restore!(states[i]![1]);
}

/** The runtime handles of every armed service timer: by service in start order, then in creation order. */
export function armedTimers(contexts: readonly ServiceContext[]): unknown[] {
  return contexts.flatMap((c) => armedTimerHandles(c));
}
