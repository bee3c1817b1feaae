/**
 * Replays one recorded incarnation of one node: a fresh NodeHost with the node's services on
 * the replay Runtime, fed the recorded inputs in order. Continuations run exactly where the
 * real run let them run: at turn boundaries (and before declaring a recorded output missing).
 * It starts at the process start, or at a checkpoint of the node's memory (`checkpoints.ts`);
 * every checkpoint it passes is compared with the replayed node.
 */
import { type Envelope, NodeHost, type ServiceFactory, type TraceEvent } from "@skein/core";
import { type CheckpointRecord, envelopeFromRecord, type RecordEntry, type RecordedIncarnation, RecordKind } from "@skein/net";
import { checkpointIndex, countCheckpoints, resumeFromCheckpoint, verifyCheckpoint } from "./checkpoints.ts";
import type { Divergence } from "./divergence.ts";
import { drainContinuations } from "./drain.ts";
import { ReplayRuntime } from "./replay-runtime.ts";

export interface ReplayResult {
  readonly node: string;
  readonly incarnation: number;
  readonly records: number;
  /** Records replayed: all of them, or those after the checkpoint the replay started from. */
  readonly recordsReplayed: number;
  /** The checkpoint the replay started from (0: the process start). */
  readonly fromCheckpoint: number;
  /** Checkpoints in the recording, and how many of them the replay passed and compared. */
  readonly checkpoints: number;
  readonly checkpointsVerified: number;
  /** Services of the replayed node that cannot checkpoint (why a recording may have none). */
  readonly servicesWithoutCheckpoint: readonly string[];
  readonly complete: boolean;
  readonly sendsChecked: number;
  readonly sendsUnchecked: number;
  readonly divergences: readonly Divergence[];
}

export interface ReplayInit {
  readonly services: Record<string, ServiceFactory>;
  /** Receives the replay's trace, in the simulator's format. */
  readonly trace?: (event: TraceEvent) => void;
  /** Stop counting after this many divergences (default 100): the first is what matters. */
  readonly divergencesMax?: number;
  /** Start at this checkpoint of the incarnation (1, 2, …) instead of the process start (0). */
  readonly fromCheckpoint?: number;
}

const PUSH_KINDS: ReadonlySet<number> = new Set([RecordKind.Start, RecordKind.Deliver, RecordKind.Undeliverable, RecordKind.Timer, RecordKind.Synced, RecordKind.Stop]);

export async function replayIncarnation(recorded: RecordedIncarnation, init: ReplayInit): Promise<ReplayResult> {
  const trace = init.trace ?? (() => {});
  const runtime = new ReplayRuntime(recorded.entries, recorded.complete, trace);
  const host = new NodeHost(recorded.node, runtime);
  for (const [name, factory] of Object.entries(init.services)) host.addService(name, factory);
  const divergencesMax = init.divergencesMax ?? 100;
  const entries = recorded.entries;
  const firstTurnMs = entries.find((e) => e[0] === RecordKind.Turn)?.[1] ?? 0;
  const fromCheckpoint = init.fromCheckpoint ?? 0;
  let checkpointsVerified = 0;
  let servicesWithoutCheckpoint: string[] = [];
  if (fromCheckpoint > 0) {
    const at = checkpointIndex(entries, fromCheckpoint);
    if (at < 0) throw new RangeError(`${recorded.node}.${recorded.incarnation} has ${countCheckpoints(entries)} checkpoints, not ${fromCheckpoint}`);
    const record = entries[at]![1] as CheckpointRecord;
    runtime.cursor = at;
    runtime.timeMs = record.timeMs - firstTurnMs;
    trace({ t: runtime.timeMs, e: "start", node: host.id, incarnation: host.incarnation });
    const resumed = await resumeFromCheckpoint(record, host, runtime);
    runtime.cursor = resumed ? at + 1 : entries.length;
    servicesWithoutCheckpoint = host.servicesWithoutCheckpoint();
  }
  const startCursor = runtime.cursor;
  while (!runtime.exhausted && runtime.divergences.length < divergencesMax) {
    const entry = entries[runtime.cursor]!;
    if (entry[0] === RecordKind.Turn || entry[0] === RecordKind.Checkpoint) {
      await drainContinuations();
      if (entries[runtime.cursor] !== entry) continue; // continuations consumed records before the turn
      if (entry[0] === RecordKind.Checkpoint) {
        verifyCheckpoint(entry[1], host, runtime);
        checkpointsVerified++;
      } else runtime.timeMs = entry[1] - firstTurnMs;
      runtime.cursor++;
    } else if (PUSH_KINDS.has(entry[0])) {
      runtime.cursor++;
      apply(entry, host, runtime, trace);
      if (entry[0] === RecordKind.Start) servicesWithoutCheckpoint = host.servicesWithoutCheckpoint();
    } else if (entry[0] === RecordKind.End) {
      runtime.cursor++;
    } else {
      // an output or pulled input the synchronous code did not consume: maybe a continuation will
      await drainContinuations();
      if (entries[runtime.cursor] === entry) {
        runtime.diverge("a recorded event the replay did not reproduce", "nothing");
        runtime.cursor++;
      }
    }
  }
  await drainContinuations();
  trace({ t: runtime.timeMs, e: "phase", phase: "end" });
  return {
    node: recorded.node,
    incarnation: recorded.incarnation,
    records: entries.length,
    recordsReplayed: entries.length - startCursor,
    fromCheckpoint,
    checkpoints: countCheckpoints(entries),
    checkpointsVerified,
    servicesWithoutCheckpoint,
    complete: recorded.complete,
    sendsChecked: runtime.sendsChecked,
    sendsUnchecked: runtime.sendsUnchecked,
    divergences: runtime.divergences,
  };
}

function apply(entry: RecordEntry, host: NodeHost, runtime: ReplayRuntime, trace: (event: TraceEvent) => void): void {
  switch (entry[0]) {
    case RecordKind.Start:
      runtime.openStorage(entry[1]);
      trace({ t: runtime.timeMs, e: "start", node: host.id, incarnation: host.incarnation });
      host.start();
      return;
    case RecordKind.Deliver: {
      const envelope: Envelope = envelopeFromRecord(entry[1]);
      runtime.traceInbound(envelope);
      host.deliver(envelope);
      return;
    }
    case RecordKind.Undeliverable:
      host.undeliverable(envelopeFromRecord(entry[1]), entry[2]);
      return;
    case RecordKind.Timer:
      trace({ t: runtime.timeMs, e: "timer", node: host.id });
      if (!runtime.fireTimer(entry[1])) runtime.diverge("a timer firing", `timer ${entry[1]} is not armed in the replay`);
      return;
    case RecordKind.Synced:
      if (!runtime.completeSync(entry[1])) runtime.diverge("a sync completion", `sync ${entry[1]} was never started in the replay`);
      return;
    case RecordKind.Stop:
      host.stop();
      return;
  }
}
