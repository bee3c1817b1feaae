/**
 * The replay Runtime: one node's code runs against one recorded incarnation. Inputs the code
 * pulls (clock reads, random draws) come from the recording in order; inputs the runtime pushes
 * (deliveries, failed calls, timer firings, sync completions) are applied by the driver
 * (`replay-node.ts`) at their recorded place; every envelope the code sends is compared with
 * the next recorded send. Anything out of place is a divergence; the replay goes on, so it can
 * count them, but the first one is the one to read.
 *
 * Time is the recorded time of the current turn, so traces and `now()` fallbacks stay close to
 * the real run; nothing here touches a real clock.
 */
import { isDeepStrictEqual } from "node:util";
import { AssertionFailure, formatAddress, type Envelope, type LogEntry, MemoryStorage, MessageError, type NodeHost, type Runtime, type Storage, type TraceEvent, ENVELOPE_KIND_NAMES, EnvelopeKind } from "@skein/core";
import { envelopeToRecord, pack, type RecordEntry, RecordKind, type StorageSnapshot, unpack } from "@skein/net";
import { type Divergence, describeRecord } from "./divergence.ts";

/** A timer's handle: its id is the recorded one (renumbered once after a restore from a checkpoint). */
class ReplayTimer {
  constructor(
    public id: number,
    readonly callback: () => void,
  ) {}
}

/** Storage of the replayed node: the recorded start state in memory; syncs complete when the recording says. */
class ReplayStorage extends MemoryStorage {
  constructor(
    snapshot: StorageSnapshot,
    private readonly onSync: () => Promise<void>,
  ) {
    super();
    for (const [key, value] of snapshot.map) super.put(key, value);
    for (const record of snapshot.log) super.append(record);
    void super.sync();
  }
  override sync(): Promise<void> {
    void super.sync();
    return this.onSync();
  }
}

export class ReplayRuntime implements Runtime {
  cursor = 0;
  timeMs = 0;
  readonly divergences: Divergence[] = [];
  sendsChecked = 0;
  /** Sends made after a truncated recording ended: nothing to compare them with. */
  sendsUnchecked = 0;
  private readonly timers = new Map<number, ReplayTimer>();
  private timerSeq = 0;
  private readonly syncs = new Map<number, () => void>();
  private syncSeq = 0;
  private store: ReplayStorage | undefined;
  private messageSeq = 0;
  /** Set while the replayed services' `checkpoint()` runs: it must not touch the runtime. */
  private sealed = false;

  constructor(
    readonly entries: readonly RecordEntry[],
    readonly complete: boolean,
    private readonly trace: (event: TraceEvent) => void,
  ) {}

  get exhausted(): boolean {
    return this.cursor >= this.entries.length;
  }

  diverge(what: string, replayed: string): void {
    this.divergences.push({ record: this.cursor, what, recorded: describeRecord(this.entries[this.cursor]), replayed });
  }

  /** Takes the record at the cursor if it is of `kind`; otherwise reports a divergence. */
  private take(kind: RecordKind, what: string): RecordEntry | undefined {
    const entry = this.entries[this.cursor];
    if (entry?.[0] === kind) {
      this.cursor++;
      return entry;
    }
    if (entry !== undefined || this.complete) this.diverge(`unexpected ${what}`, what);
    return undefined;
  }

  openStorage(snapshot: StorageSnapshot): void {
    this.store = new ReplayStorage(snapshot, () => {
      const id = ++this.syncSeq;
      return new Promise<void>((resolve) => this.syncs.set(id, resolve));
    });
  }

  /** Timers armed and syncs started so far, and syncs not yet completed: what a checkpoint records. */
  get timersArmed(): number {
    return this.timerSeq;
  }
  get syncsStarted(): number {
    return this.syncSeq;
  }
  get syncsPending(): number {
    return this.syncs.size;
  }

  /** The recorded ids of the timers behind these handles. */
  timerIds(handles: readonly unknown[]): number[] {
    return handles.map((handle) => (handle as ReplayTimer).id);
  }

  /**
   * After a restore from a checkpoint: the timers behind `handles` (armed by `restore`, in the
   * order the checkpoint lists them) take the recorded `ids`; any extra ones can never fire.
   * The next timer and sync ids continue from the recorded counters.
   */
  renumberTimers(handles: readonly unknown[], ids: readonly number[], timersArmed: number, syncsStarted: number): void {
    const timers = handles as readonly ReplayTimer[];
    for (const timer of timers) this.timers.delete(timer.id);
    timers.forEach((timer, i) => {
      timer.id = i < ids.length ? ids[i]! : -(i + 1);
      this.timers.set(timer.id, timer);
    });
    this.timerSeq = timersArmed;
    this.syncSeq = syncsStarted;
  }

  /** Runs `capture` with the runtime sealed: a clock read, draw, send or timer in it throws. */
  sealedWhile<T>(capture: () => T): T {
    this.sealed = true;
    try {
      return capture();
    } finally {
      this.sealed = false;
    }
  }

  private checkUnsealed(what: string): void {
    if (this.sealed) throw new AssertionFailure(`${what} while taking a checkpoint: checkpoint() must not touch the runtime`);
  }

  /** Fires recorded timer `id`; false if the replayed code has no such timer armed. */
  fireTimer(id: number): boolean {
    const timer = this.timers.get(id);
    if (!timer) return false;
    this.timers.delete(id);
    timer.callback();
    return true;
  }

  /** Completes recorded sync `id`; false if the replayed code never started it. */
  completeSync(id: number): boolean {
    const resolve = this.syncs.get(id);
    if (!resolve) return false;
    this.syncs.delete(id);
    resolve();
    return true;
  }

  traceInbound(envelope: Envelope): void {
    const m = ++this.messageSeq;
    this.traceSend(m, envelope);
    this.trace({ t: this.timeMs, e: "deliver", m });
  }

  private traceSend(m: number, envelope: Envelope): void {
    const event: TraceEvent = { t: this.timeMs, e: "send", m, src: formatAddress(envelope.source), dst: formatAddress(envelope.target), kind: ENVELOPE_KIND_NAMES[envelope.kind]!, type: envelope.type, body: envelope.body ?? null };
    if (envelope.kind !== EnvelopeKind.Send) event.call = envelope.callId;
    this.trace(event);
  }

  // ---- Runtime ---------------------------------------------------------------------

  now(_node: NodeHost): number {
    this.checkUnsealed("a clock read");
    const entry = this.take(RecordKind.Now, "clock read");
    return entry ? (entry[1] as number) : this.timeMs;
  }

  random(_node: NodeHost): number {
    this.checkUnsealed("a random draw");
    const entry = this.take(RecordKind.Random, "random draw");
    return entry ? (entry[1] as number) : 0.5;
  }

  transmit(node: NodeHost, envelope: Envelope): void {
    if (!node.up) return;
    this.checkUnsealed("a send");
    this.traceSend(++this.messageSeq, envelope);
    const produced = unpack(pack(envelopeToRecord(envelope)));
    const entry = this.entries[this.cursor];
    if (entry === undefined && !this.complete) {
      this.sendsUnchecked++;
      return;
    }
    const description = describeRecord([RecordKind.Send, produced as never]);
    if (entry?.[0] !== RecordKind.Send) return this.diverge("a send the recording does not have", description);
    this.cursor++;
    this.sendsChecked++;
    if (!isDeepStrictEqual(entry[1], produced)) {
      this.cursor--;
      this.diverge("a different send", description);
      this.cursor++;
    }
    if (entry.length === 3) throw new MessageError(entry[2]);
  }

  setTimer(_node: NodeHost, _delayMs: number, callback: () => void): unknown {
    this.checkUnsealed("a timer armed");
    const timer = new ReplayTimer(++this.timerSeq, callback);
    this.timers.set(timer.id, timer);
    return timer;
  }

  clearTimer(_node: NodeHost, handle: unknown): void {
    const timer = handle as ReplayTimer;
    if (this.timers.get(timer.id) === timer) this.timers.delete(timer.id);
  }

  storage(_node: NodeHost): Storage {
    if (!this.store) throw new MessageError("replay: storage used before the node started");
    return this.store;
  }

  log(node: NodeHost, entry: LogEntry): void {
    const { level, service, message, fields } = entry;
    this.trace(fields ? { t: this.timeMs, e: "log", node: node.id, service, level, msg: message, fields } : { t: this.timeMs, e: "log", node: node.id, service, level, msg: message });
  }

  asyncStarted(): void {}
}
