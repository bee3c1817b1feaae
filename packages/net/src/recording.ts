/**
 * The recording format, shared by the recorder (here) and the replayer (`@skein/replay`).
 * A recording directory holds `meta.json` (what ran: the scenario file and its parameters) and,
 * per node and process incarnation, a file `<node>.<incarnation>.rec` of records, each a
 * length-prefixed msgpack array `[kind, ...fields]`. A file that ends without an `End` record
 * belongs to a process that was killed; its tail may be cut anywhere, and readers stop at the
 * last whole record.
 */
import type { Address, Envelope, EnvelopeKind, HostCheckpoint } from "@skein/core";

/** Version of the record format, written in meta.json. */
export const RECORDING_FORMAT_VERSION = 2;

export const RecordKind = {
  /** A new macrotask: `[Turn, timeMs]`. Continuations of the previous one ran before it. */
  Turn: 0,
  /** The node started: `[Start, storageSnapshot]`. */
  Start: 1,
  /** `[Deliver, envelope]`: an envelope handed to the node. */
  Deliver: 2,
  /** `[Undeliverable, envelope, reason]`: a call the runtime could not send. */
  Undeliverable: 3,
  /** `[Timer, id]`: the id-th timer armed in this incarnation fired. */
  Timer: 4,
  /** `[Synced, id]`: the id-th storage sync completed. */
  Synced: 5,
  /** `[Now, ms]`: a clock read. */
  Now: 6,
  /** `[Random, value]`: a random draw. */
  Random: 7,
  /** `[Send, envelope, refusal?]`: an envelope the node sent (an output, compared on replay). */
  Send: 8,
  /** `[End]`: the node stopped cleanly; the recording is complete. */
  End: 9,
  /** `[Stop]`: a graceful stop began (services' stop hooks run next). */
  Stop: 10,
  /** `[Checkpoint, CheckpointRecord]`: the node's memory at a quiescent moment, in a macrotask of its own. */
  Checkpoint: 11,
} as const;
export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind];

/** An envelope as recorded: `[kind, sourceNode, sourceService, targetNode, targetService, type, callId, body]`. */
export type EnvelopeRecord = [number, string, string, string, string, string, number, unknown];

export interface StorageSnapshot {
  readonly map: Array<[string, unknown]>;
  readonly log: unknown[];
}

/**
 * A checkpoint: everything a fresh node needs to continue from this point of the recording as
 * the real one did (see `checkpointer.ts`). Format version 2.
 */
export interface CheckpointRecord {
  /** 1, 2, … within the recording file (0 would be the process start). */
  readonly index: number;
  /** The recorder's clock when it was taken. */
  readonly timeMs: number;
  /** The services' states and the call-id counters. */
  readonly host: HostCheckpoint;
  /** The storage as the services saw it (unsynced writes included), as in the Start record. */
  readonly storage: StorageSnapshot;
  /** Recorded ids of the armed service timers, in the order `NodeHost.armedTimers` lists them. */
  readonly timers: number[];
  /** Timers armed and syncs started so far: the replay numbers the next ones from here. */
  readonly timersArmed: number;
  readonly syncsStarted: number;
}

export type RecordEntry =
  | [typeof RecordKind.Turn, number]
  | [typeof RecordKind.Start, StorageSnapshot]
  | [typeof RecordKind.Deliver, EnvelopeRecord]
  | [typeof RecordKind.Undeliverable, EnvelopeRecord, string]
  | [typeof RecordKind.Timer, number]
  | [typeof RecordKind.Synced, number]
  | [typeof RecordKind.Now, number]
  | [typeof RecordKind.Random, number]
  | [typeof RecordKind.Send, EnvelopeRecord]
  | [typeof RecordKind.Send, EnvelopeRecord, string]
  | [typeof RecordKind.End]
  | [typeof RecordKind.Stop]
  | [typeof RecordKind.Checkpoint, CheckpointRecord];

/** What `meta.json` says about a recorded run. */
export interface RecordingMeta {
  readonly format: number;
  /** Absolute path of the scenario file that ran. */
  readonly scenario: string;
  readonly params: { readonly nodes: number; readonly seed: number; readonly untilMs: number };
  readonly nodes: readonly string[];
}

export function envelopeToRecord(envelope: Envelope): EnvelopeRecord {
  const { kind, source, target, type, callId, body } = envelope;
  return [kind, source.node, source.service, target.node, target.service, type, callId, body ?? null];
}

export function envelopeFromRecord(record: EnvelopeRecord): Envelope {
  const [kind, sourceNode, sourceService, targetNode, targetService, type, callId, body] = record;
  const source: Address = { node: sourceNode, service: sourceService };
  const target: Address = { node: targetNode, service: targetService };
  return { kind: kind as EnvelopeKind, source, target, type, callId, body };
}
