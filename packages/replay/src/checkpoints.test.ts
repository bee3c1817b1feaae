// Checkpoints in recordings and replays, with recordings made by the real recorder on a
// runtime the test drives by hand: every input in a macrotask of its own, as in a real run.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Envelope, EnvelopeKind, MemoryStorage, NodeHost, type Runtime, ref, type ServiceFactory, service } from "@skein/core";
import { captureCheckpoint, pack, type RecordEntry, RecordedStorage, RecordKind, TurnRecorder, unpack } from "@skein/net";
import { replayIncarnation } from "./replay-node.ts";

const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Memory storage whose sync completes in a later macrotask, like an fsync. */
class SlowSyncStorage extends MemoryStorage {
  override sync(): Promise<void> {
    return new Promise((resolve) => setImmediate(() => super.sync().then(resolve)));
  }
}

/** Runs one node on a hand-driven runtime and records it with the net runtime's recorder. */
class RecordedNode implements Runtime {
  readonly entries: RecordEntry[] = [];
  readonly recorder = new TurnRecorder((entry) => this.entries.push(unpack(pack(entry)) as RecordEntry), () => this.clockMs);
  readonly host = new NodeHost("n1", this);
  /** Armed timers: handle → recorded id (what `captureCheckpoint` maps). */
  readonly timers = new Map<unknown, number>();
  private readonly callbacks = new Map<number, () => void>();
  private readonly store = new RecordedStorage(new SlowSyncStorage(), this.recorder, () => this.host.up);
  private draws = 0;
  clockMs = 1_000;

  constructor(services: Record<string, ServiceFactory>) {
    for (const [name, factory] of Object.entries(services)) this.host.addService(name, factory);
  }
  async start(): Promise<void> {
    this.recorder.start({ map: [], log: [] });
    this.host.start();
    await macrotask();
  }
  async fire(id: number): Promise<void> {
    this.clockMs += 5;
    const callback = this.callbacks.get(id);
    assert.ok(callback, `timer ${id} is not armed`);
    this.callbacks.delete(id);
    for (const [handle, armed] of this.timers) if (armed === id) this.timers.delete(handle);
    this.recorder.timerFired(id);
    callback();
    await macrotask();
  }
  async deliver(type: string, body: object, kind: EnvelopeKind = EnvelopeKind.Send, callId = 0): Promise<void> {
    const envelope: Envelope = { kind, source: { node: "n2", service: "peer" }, target: { node: "n1", service: "counter" }, type, body: { type, ...body }, callId };
    this.recorder.deliver(envelope);
    this.host.deliver(envelope);
    await macrotask();
  }
  /** Tries a checkpoint now; returns the reason if none could be taken. */
  checkpoint(index: number): string | undefined {
    const parts = { host: this.host, recorder: this.recorder, timers: this.timers, storage: () => snapshot(this.store), syncsPending: () => this.store.syncsPending, log: () => {} };
    const outcome = captureCheckpoint(parts, index);
    if (typeof outcome === "string") return outcome;
    this.recorder.checkpoint(outcome);
  }
  stop(): void {
    this.recorder.stopping();
    this.host.stop();
    this.recorder.end();
  }
  incarnation() {
    return { node: "n1", incarnation: 0, entries: this.entries, complete: true, tornBytes: 0 };
  }
  // ---- Runtime
  now(): number {
    this.recorder.now(this.clockMs);
    return this.clockMs;
  }
  random(): number {
    const value = (++this.draws * 0.618) % 1;
    this.recorder.random(value);
    return value;
  }
  transmit(_node: NodeHost, envelope: Envelope): void {
    this.recorder.send(envelope);
  }
  setTimer(_node: NodeHost, _delayMs: number, callback: () => void): unknown {
    const id = this.recorder.timerSet();
    const handle = { id };
    this.timers.set(handle, id);
    this.callbacks.set(id, callback);
    return handle;
  }
  clearTimer(_node: NodeHost, handle: unknown): void {
    this.timers.delete(handle);
    this.callbacks.delete((handle as { id: number }).id);
  }
  storage() {
    return this.store;
  }
  log(): void {}
  asyncStarted(): void {}
}

function snapshot(storage: RecordedStorage) {
  return { map: storage.keys().map((key): [string, unknown] => [key, storage.get(key)]), log: storage.records() };
}

type CounterProtocol = {
  add: { request: { by: number }; reply: void };
  slowAdd: { request: { by: number }; reply: { total: number } };
  nap: { request: {}; reply: void };
};

interface CounterVariant {
  /** restore re-arms the timers in the opposite order (a broken restore). */
  readonly reversedRestore?: boolean;
  /** restore re-arms only the first timer. */
  readonly oneTimerRestore?: boolean;
  /** `add` counts twice (a code change that alters state, not messages). */
  readonly addTwice?: boolean;
}

/** A counter with two periodic timers (tick, then beat with jitter) that report the total to n2. */
const counter = (variant: CounterVariant = {}) =>
  service<CounterProtocol>((ctx) => {
    let total = 0;
    const peer = ref<{ tick: { request: { total: number }; reply: void } }>("n2", "peer");
    const tick = () => ctx.setPeriodic(10, () => ctx.send(peer, { type: "tick", total }));
    const beat = () => ctx.setPeriodic(15, () => ctx.send(peer, { type: "tick", total: -total }), { jitterMs: 5 });
    return {
      start() {
        tick();
        beat();
      },
      checkpoint: () => ({ total }),
      restore(state) {
        total = (state as { total: number }).total;
        if (variant.reversedRestore) beat();
        tick();
        if (!variant.reversedRestore && !variant.oneTimerRestore) beat();
      },
      handlers: {
        add({ by }) {
          total += variant.addTwice ? 2 * by : by;
        },
        async slowAdd({ by }) {
          ctx.storage.put("total", total + by);
          await ctx.storage.sync();
          total += by;
          return { total };
        },
        async nap() {
          await ctx.sleep(5);
        },
      },
    };
  });

/**
 * A recording in which the armed order of the timers differs from their creation order: the
 * tick timer (created first) re-arms after the beat timer did, then a checkpoint, then both fire.
 */
async function recordRun(): Promise<RecordedNode> {
  const node = new RecordedNode({ counter: counter() });
  await node.start(); // tick = timer 1, beat = timer 2
  await node.fire(2); // beat re-arms as 3
  await node.fire(1); // tick re-arms as 4: armed order now beat(3), tick(4); creation order tick, beat
  await node.deliver("add", { by: 3 }); // changes the state, no message
  assert.equal(node.checkpoint(1), undefined);
  await node.fire(4);
  await node.fire(3);
  await node.deliver("add", { by: 4 });
  assert.equal(node.checkpoint(2), undefined);
  await node.fire(5);
  node.stop();
  return node;
}

test("replay checkpoints: taken only when the node is quiescent — not during an async handler, a sync or a call", async () => {
  const node = new RecordedNode({ counter: counter() });
  await node.start();
  node.recorder.deliver({ kind: EnvelopeKind.Call, source: { node: "n2", service: "peer" }, target: { node: "n1", service: "counter" }, type: "slowAdd", body: { type: "slowAdd", by: 1 }, callId: 9 });
  node.host.deliver({ kind: EnvelopeKind.Call, source: { node: "n2", service: "peer" }, target: { node: "n1", service: "counter" }, type: "slowAdd", body: { type: "slowAdd", by: 1 }, callId: 9 });
  assert.equal(node.checkpoint(1), "busy", "the handler awaits its sync");
  await macrotask();
  await macrotask();
  assert.equal(node.checkpoint(1), undefined, "the sync completed and the handler replied");
  const reply = node.host.contexts()[0]!.call(ref("n2", "peer"), { type: "question" }, { timeoutMs: 100 });
  assert.equal(node.checkpoint(2), "busy", "a call awaits its reply");
  await node.deliver("question", {}, EnvelopeKind.Reply, (node.entries.findLast((e) => e[0] === RecordKind.Send)![1] as unknown[])[6] as number);
  await reply;
  assert.equal(node.checkpoint(2), undefined);
  await node.deliver("nap", {});
  assert.equal(node.checkpoint(3), "busy", "a handler sleeps");
  await node.fire(Math.max(...node.timers.values()));
  assert.equal(node.checkpoint(3), undefined);

  const plain = new RecordedNode({ counter: counter(), plain: service<{}>(() => ({ handlers: {} })) });
  await plain.start();
  assert.equal(plain.checkpoint(1), "unable: plain cannot checkpoint");
});

test("replay checkpoints: from checkpoint K the restored timers take the recorded ids in creation order; zero divergences", async () => {
  const node = await recordRun();
  const checkpoint = node.entries.find((e) => e[0] === RecordKind.Checkpoint)![1] as { timers: number[]; timersArmed: number };
  assert.deepEqual(checkpoint.timers, [4, 3], "listed in creation order (tick, beat), not armed order");
  assert.equal(checkpoint.timersArmed, 4);
  for (const from of [0, 1, 2]) {
    const result = await replayIncarnation(node.incarnation(), { services: { counter: counter() }, fromCheckpoint: from });
    assert.deepEqual(result.divergences, [], `from checkpoint ${from}`);
    assert.equal(result.checkpoints, 2);
    assert.equal(result.checkpointsVerified, 2 - from);
    assert.ok(result.sendsChecked >= (from === 2 ? 1 : 3), `from checkpoint ${from}: ${result.sendsChecked} sends checked`);
  }
});

test("replay checkpoints: a restore that re-arms its timers in another order, or fewer of them, diverges", async () => {
  const node = await recordRun();
  const reversed = await replayIncarnation(node.incarnation(), { services: { counter: counter({ reversedRestore: true }) }, fromCheckpoint: 1 });
  assert.ok(reversed.divergences.length > 0, "timer 4 fired beat's callback instead of tick's");
  assert.match(reversed.divergences[0]!.what, /a different send|random draw|clock read|send the recording/);
  const fewer = await replayIncarnation(node.incarnation(), { services: { counter: counter({ oneTimerRestore: true }) }, fromCheckpoint: 1 });
  assert.equal(fewer.divergences[0]!.what, "restoring checkpoint 1");
  assert.equal(fewer.divergences[0]!.replayed, "restore armed 1 timers, the checkpoint has 2 armed");
});

test("replay checkpoints: replaying past a checkpoint compares the state, catching a change before it shows in any message", async () => {
  const node = await recordRun();
  const changed = await replayIncarnation(node.incarnation(), { services: { counter: counter({ addTwice: true }) } });
  const first = changed.divergences[0]!;
  assert.equal(first.what, "the node's state at checkpoint 1");
  assert.equal(first.recorded, "checkpoint 1");
  assert.match(first.replayed, /^service counter: \{"total":6\}, recorded \{"total":3\}$/);
  const services = await replayIncarnation(node.incarnation(), { services: { counter: service<{}>(() => ({ handlers: {} })) } });
  assert.ok(services.divergences.some((d) => /cannot checkpoint/.test(d.replayed)));
  assert.deepEqual(services.servicesWithoutCheckpoint, ["counter"]);
});
