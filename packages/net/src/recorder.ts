/**
 * The recorder's side of WiDS-style record/replay: what a node consumes that its code cannot
 * compute — envelopes delivered, failed calls reported, timer firings, fsync completions,
 * clock reads, random draws, and the storage it found at start — written in the order it
 * happened, with every envelope it sent for the replay to compare against.
 *
 * One subtlety decides whether a replay can be exact: promise continuations. Node runs them
 * after each macrotask, so several envelopes delivered from one socket read run their
 * synchronous handlers back to back and only then their `await` continuations. The recorder
 * writes a `turn` record at the first input of each macrotask (a microtask resets the flag),
 * and the replay lets continuations run exactly at those boundaries.
 */
import { AssertionFailure, type Envelope, type Storage } from "@skein/core";
import { type CheckpointRecord, envelopeToRecord, type RecordEntry, RecordKind, type StorageSnapshot } from "./recording.ts";

/** What the net runtime tells a recorder. Every method is cheap and never throws into the node. */
export interface Recorder {
  start(snapshot: StorageSnapshot): void;
  deliver(envelope: Envelope): void;
  undeliverable(envelope: Envelope, reason: string): void;
  /** A timer was armed; returns its id (armed order, from 1). */
  timerSet(): number;
  timerFired(id: number): void;
  /** A storage sync began; returns its id. */
  syncStarted(): number;
  syncDone(id: number): void;
  now(value: number): void;
  random(value: number): void;
  /** The node sent `envelope`; `refusal` if the runtime refused it with a MessageError. */
  send(envelope: Envelope, refusal?: string): void;
  /** A graceful stop begins (before the services' stop hooks). */
  stopping(): void;
  /** The node stopped cleanly: the recording is complete. */
  end(): void;
  /** Timers armed and syncs started so far (the next ids are one more). */
  readonly timersArmed: number;
  readonly syncsStarted: number;
  /**
   * Runs `capture` (a checkpoint being taken) with inputs sealed: a clock read, random draw,
   * send, timer or sync inside it throws AssertionFailure instead of being recorded, because a
   * checkpoint must not consume inputs (the replay does not re-run it).
   */
  sealed<T>(capture: () => T): T;
  /** Writes a checkpoint, in a macrotask of its own (no Turn: it is not an input). */
  checkpoint(fields: Omit<CheckpointRecord, "timeMs">): void;
}

/** Receives encoded records; the file writer in `recording-file.ts` is one. */
export type RecordSink = (entry: RecordEntry) => void;

/** Turns runtime events into records, marking macrotask turns. */
export class TurnRecorder implements Recorder {
  private inTurn = false;
  private timers = 0;
  private syncs = 0;
  private sealedBy: string | undefined = undefined;
  private readonly clearTurn = () => {
    this.inTurn = false;
  };

  constructor(
    private readonly sink: RecordSink,
    private readonly clockMs: () => number,
  ) {}

  get timersArmed(): number {
    return this.timers;
  }
  get syncsStarted(): number {
    return this.syncs;
  }

  sealed<T>(capture: () => T): T {
    this.sealedBy = "a checkpoint";
    try {
      return capture();
    } finally {
      this.sealedBy = undefined;
    }
  }

  checkpoint(fields: Omit<CheckpointRecord, "timeMs">): void {
    this.sink([RecordKind.Checkpoint, { ...fields, timeMs: this.clockMs() }]);
  }

  /** Inputs are sealed while a checkpoint is taken. */
  private check(what: string): void {
    if (this.sealedBy !== undefined) throw new AssertionFailure(`${what} while taking ${this.sealedBy}: checkpoint() must not touch the runtime`);
  }

  private push(entry: RecordEntry): void {
    if (!this.inTurn) {
      this.inTurn = true;
      queueMicrotask(this.clearTurn);
      this.sink([RecordKind.Turn, this.clockMs()]);
    }
    this.sink(entry);
  }

  start(snapshot: StorageSnapshot): void {
    this.push([RecordKind.Start, snapshot]);
  }
  deliver(envelope: Envelope): void {
    this.push([RecordKind.Deliver, envelopeToRecord(envelope)]);
  }
  undeliverable(envelope: Envelope, reason: string): void {
    this.push([RecordKind.Undeliverable, envelopeToRecord(envelope), reason]);
  }
  timerSet(): number {
    this.check("a timer armed");
    return ++this.timers;
  }
  timerFired(id: number): void {
    this.push([RecordKind.Timer, id]);
  }
  syncStarted(): number {
    this.check("a storage sync");
    return ++this.syncs;
  }
  syncDone(id: number): void {
    this.push([RecordKind.Synced, id]);
  }
  now(value: number): void {
    this.check("a clock read");
    this.sink([RecordKind.Now, value]);
  }
  random(value: number): void {
    this.check("a random draw");
    this.sink([RecordKind.Random, value]);
  }
  send(envelope: Envelope, refusal?: string): void {
    this.check("a send");
    this.sink(refusal === undefined ? [RecordKind.Send, envelopeToRecord(envelope)] : [RecordKind.Send, envelopeToRecord(envelope), refusal]);
  }
  stopping(): void {
    this.push([RecordKind.Stop]);
  }
  end(): void {
    this.sink([RecordKind.End]);
  }
}

/** Storage whose `sync` completions are recorded as inputs (their timing is nondeterministic). */
export class RecordedStorage implements Storage {
  /** Syncs started and not yet completed (a checkpoint waits for none). */
  syncsPending = 0;
  constructor(
    private readonly inner: Storage,
    private readonly recorder: Recorder,
    private readonly alive: () => boolean,
  ) {}
  get<T = unknown>(key: string): T | undefined {
    return this.inner.get<T>(key);
  }
  put(key: string, value: unknown): void {
    this.inner.put(key, value);
  }
  delete(key: string): void {
    this.inner.delete(key);
  }
  keys(prefix?: string): string[] {
    return this.inner.keys(prefix);
  }
  append(record: unknown): number {
    return this.inner.append(record);
  }
  records<T = unknown>(): T[] {
    return this.inner.records<T>();
  }
  get length(): number {
    return this.inner.length;
  }
  sync(): Promise<void> {
    const id = this.recorder.syncStarted();
    this.syncsPending++;
    return this.inner.sync().then(
      () => {
        this.syncsPending--;
        if (this.alive()) this.recorder.syncDone(id);
      },
      (error: unknown) => {
        this.syncsPending--;
        throw error;
      },
    );
  }
}
