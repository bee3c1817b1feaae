/**
 * Replays one recorded incarnation of one node: a fresh NodeHost with the node's services on
 * the replay Runtime, fed the recorded inputs in order. Continuations run exactly where the
 * real run let them run: at turn boundaries (and before declaring a recorded output missing).
 */
import { type Envelope, NodeHost, type ServiceFactory, type TraceEvent } from "@skein/core";
import { envelopeFromRecord, type RecordedIncarnation, type RecordEntry, RecordKind } from "@skein/net";
import type { Divergence } from "./divergence.ts";
import { drainContinuations } from "./drain.ts";
import { ReplayRuntime } from "./replay-runtime.ts";

export interface ReplayResult {
  readonly node: string;
  readonly incarnation: number;
  readonly records: number;
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
}

const PUSH_KINDS: ReadonlySet<number> = new Set([RecordKind.Start, RecordKind.Deliver, RecordKind.Undeliverable, RecordKind.Timer, RecordKind.Synced, RecordKind.Stop]);

export async function replayIncarnation(recorded: RecordedIncarnation, init: ReplayInit): Promise<ReplayResult> {
  const trace = init.trace ?? (() => {});
  const runtime = new ReplayRuntime(recorded.entries, recorded.complete, trace);
  const host = new NodeHost(recorded.node, runtime);
  for (const [name, factory] of Object.entries(init.services)) host.addService(name, factory);
  const divergencesMax = init.divergencesMax ?? 100;
  const entries = recorded.entries;
  let firstTurnMs: number | undefined;
  while (!runtime.exhausted && runtime.divergences.length < divergencesMax) {
    const entry = entries[runtime.cursor]!;
    if (entry[0] === RecordKind.Turn) {
      await drainContinuations();
      if (entries[runtime.cursor] !== entry) continue; // continuations consumed records before the turn
      runtime.cursor++;
      firstTurnMs ??= entry[1];
      runtime.timeMs = entry[1] - firstTurnMs;
    } else if (PUSH_KINDS.has(entry[0])) {
      runtime.cursor++;
      apply(entry, host, runtime, trace);
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
