/**
 * Checkpoints in a replay, both ways round. Starting from checkpoint K, a fresh node gets the
 * recorded storage, call-id counters and service states (`NodeHost.resume`, which runs the
 * services' `restore`), and the timers `restore` re-arms take the recorded ids in the order the
 * checkpoint lists them — a different number of timers is a divergence. Passing a checkpoint
 * while replaying from an earlier point, the replayed node must be quiescent there and its
 * state, storage, timers and counters must equal the recorded ones: this is what makes a
 * checkpoint trustworthy as a starting point, and it catches a code change that alters state
 * before it alters any message.
 */
import { isDeepStrictEqual } from "node:util";
import type { NodeHost } from "@skein/core";
import { type CheckpointRecord, pack, type RecordEntry, RecordKind, type StorageSnapshot, unpack } from "@skein/net";
import type { ReplayRuntime } from "./replay-runtime.ts";

/** Index in `entries` of the `k`-th checkpoint record (k from 1), or -1. */
export function checkpointIndex(entries: readonly RecordEntry[], k: number): number {
  let seen = 0;
  for (let i = 0; i < entries.length; i++) if (entries[i]![0] === RecordKind.Checkpoint && ++seen === k) return i;
  return -1;
}

/** Number of checkpoint records in `entries`. */
export function countCheckpoints(entries: readonly RecordEntry[]): number {
  let count = 0;
  for (const entry of entries) if (entry[0] === RecordKind.Checkpoint) count++;
  return count;
}

/**
 * Brings a fresh `host` on `runtime` to the checkpoint: storage, counters, restored services,
 * renumbered timers. Reports a divergence (and returns false) if the services cannot restore it.
 */
export async function resumeFromCheckpoint(record: CheckpointRecord, host: NodeHost, runtime: ReplayRuntime): Promise<boolean> {
  runtime.openStorage(record.storage);
  try {
    await host.resume(record.host);
  } catch (error) {
    runtime.diverge(`restoring checkpoint ${record.index}`, `restore failed: ${(error as Error).message}`);
    return false;
  }
  const handles = host.armedTimers();
  if (handles.length !== record.timers.length) {
    runtime.diverge(`restoring checkpoint ${record.index}`, `restore armed ${handles.length} timers, the checkpoint has ${record.timers.length} armed`);
  }
  runtime.renumberTimers(handles, record.timers, record.timersArmed, record.syncsStarted);
  return true;
}

/** Compares the replayed node with a checkpoint it passes; reports the first difference as a divergence. */
export function verifyCheckpoint(record: CheckpointRecord, host: NodeHost, runtime: ReplayRuntime): void {
  const what = `the node's state at checkpoint ${record.index}`;
  const missing = host.up ? host.servicesWithoutCheckpoint() : [];
  if (!host.up || !host.quiescent || runtime.syncsPending > 0) return runtime.diverge(what, "the replayed node is not quiescent there (a call, handler, callback or sync is still running)");
  if (missing.length > 0) return runtime.diverge(what, `services ${missing.join(", ")} cannot checkpoint`);
  let captured: ReturnType<NodeHost["checkpoint"]>;
  try {
    captured = runtime.sealedWhile(() => host.checkpoint());
  } catch (error) {
    return runtime.diverge(what, `checkpoint() failed: ${(error as Error).message}`);
  }
  const replayed: Array<[string, unknown, unknown]> = [
    ["call-id counters", [record.host.callIdBase, record.host.callCount], [captured.callIdBase, captured.callCount]],
    ...record.host.services.map(([name, state], i): [string, unknown, unknown] => [`service ${name}`, state, captured.services[i]?.[1]]),
    ["services", record.host.services.map(([name]) => name), captured.services.map(([name]) => name)],
    ["armed timers", record.timers, runtime.timerIds(host.armedTimers())],
    ["timers armed and syncs started", [record.timersArmed, record.syncsStarted], [runtime.timersArmed, runtime.syncsStarted]],
    ["storage", sortedSnapshot(record.storage), sortedSnapshot(runtime.storage(host))],
  ];
  for (const [part, expected, actual] of replayed) {
    const normalised = actual === undefined ? undefined : unpack(pack(actual));
    if (!isDeepStrictEqual(expected, normalised)) return runtime.diverge(what, `${part}: ${clip(JSON.stringify(normalised ?? null))}, recorded ${clip(JSON.stringify(expected ?? null))}`);
  }
}

/** A snapshot with its map sorted by key (stores list keys in different orders). */
function sortedSnapshot(storage: StorageSnapshot | { keys(): string[]; get(key: string): unknown; records(): unknown[] }): StorageSnapshot {
  if ("map" in storage) return { map: [...storage.map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)), log: storage.log };
  return { map: storage.keys().map((key) => [key, storage.get(key)]), log: storage.records() };
}

function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
