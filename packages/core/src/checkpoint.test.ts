import assert from "node:assert/strict";
import { test } from "node:test";
import { ref } from "./address.ts";
import type { Context } from "./context.ts";
import type { Envelope } from "./envelope.ts";
import { CheckpointError } from "./errors.ts";
import { NodeHost } from "./node-host.ts";
import type { Runtime } from "./runtime.ts";
import { service } from "./service.ts";
import { MemoryStorage } from "./storage.ts";

/** A runtime driven by hand: timers fire when the test says, sends are collected. */
class ManualRuntime implements Runtime {
  readonly sent: Envelope[] = [];
  readonly timers = new Map<number, () => void>();
  private timerSeq = 0;
  private readonly store = new MemoryStorage();
  now = () => 0;
  random = () => 0.5;
  transmit(_node: NodeHost, envelope: Envelope): void {
    this.sent.push(envelope);
  }
  setTimer(_node: NodeHost, _delayMs: number, callback: () => void): unknown {
    this.timers.set(++this.timerSeq, callback);
    return this.timerSeq;
  }
  clearTimer(_node: NodeHost, handle: unknown): void {
    this.timers.delete(handle as number);
  }
  fire(id: number): void {
    const callback = this.timers.get(id);
    assert.ok(callback, `timer ${id} is not armed`);
    this.timers.delete(id);
    callback();
  }
  storage = () => this.store;
  log(): void {}
  asyncStarted(): void {}
}

type TickProtocol = { slow: { request: {}; reply: { ticks: number } } };

/** Two periodic timers (tick, then tock) and a one-shot; `slow` awaits a promise the test settles. */
const ticker = (gate: { open?: () => void }) =>
  service<TickProtocol>((ctx: Context) => {
    const state = { ticks: 0, tocks: 0 };
    const arm = () => {
      ctx.setPeriodic(10, () => void state.ticks++);
      ctx.setPeriodic(15, () => void state.tocks++);
    };
    return {
      state,
      start: arm,
      checkpoint: () => ({ ...state }),
      restore(saved) {
        Object.assign(state, saved);
        arm();
      },
      handlers: {
        slow: () => new Promise<{ ticks: number }>((resolve) => (gate.open = () => resolve({ ticks: state.ticks }))),
      },
    };
  });

const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

test("checkpoint: a node is quiescent only with no async handler running and no call pending", async () => {
  const runtime = new ManualRuntime();
  const host = new NodeHost("n1", runtime);
  const gate: { open?: () => void } = {};
  host.addService("ticker", ticker(gate));
  assert.equal(host.quiescent, false, "a node that is down is not quiescent");
  host.start();
  assert.equal(host.quiescent, true);
  host.deliver({ kind: 1, source: { node: "n2", service: "x" }, target: { node: "n1", service: "ticker" }, type: "slow", body: { type: "slow" }, callId: 7 });
  assert.equal(host.quiescent, false, "an async handler is running");
  gate.open!();
  await macrotask();
  assert.equal(host.quiescent, true, "the handler settled");
  const context = host.contexts()[0]!;
  void context.call(ref("n2", "x"), { type: "ping" }, { timeoutMs: 50 });
  assert.equal(host.quiescent, false, "a call awaits its reply");
  host.deliver({ kind: 2, source: { node: "n2", service: "x" }, target: { node: "n1", service: "ticker" }, type: "ping", body: null, callId: runtime.sent.at(-1)!.callId });
  await macrotask();
  assert.equal(host.quiescent, true, "the reply arrived");
});

test("checkpoint: armed timers are listed in creation order; a periodic timer keeps its place when it re-arms", () => {
  const runtime = new ManualRuntime();
  const host = new NodeHost("n1", runtime);
  host.addService("ticker", ticker({}));
  host.start();
  assert.deepEqual(host.armedTimers(), [1, 2]); // tick, tock
  runtime.fire(1); // tick re-arms as runtime timer 3, but stays first
  assert.deepEqual(host.armedTimers(), [3, 2]);
  const once = host.contexts()[0]!.setTimer(5, () => {});
  assert.deepEqual(host.armedTimers(), [3, 2, 4]);
  runtime.fire(2);
  assert.deepEqual(host.armedTimers(), [3, 5, 4]);
  const later = host.contexts()[0]!.setTimer(5, () => {});
  once.cancel(); // from the middle
  assert.deepEqual(host.armedTimers(), [3, 5, 6]);
  runtime.fire(6); // a one-shot fired: gone
  assert.deepEqual(host.armedTimers(), [3, 5]);
  assert.equal(later.active, false);
});

test("checkpoint: a fresh node resumes from a checkpoint with the state, call ids and timers of the original", async () => {
  const original = new NodeHost("n1", new ManualRuntime());
  original.addService("ticker", ticker({}));
  original.start();
  const runtime = original.runtime as ManualRuntime;
  runtime.fire(1);
  runtime.fire(2);
  runtime.fire(3);
  const saved = original.checkpoint();
  assert.deepEqual(saved.services, [["ticker", { ticks: 2, tocks: 1 }]]);

  const fresh = new NodeHost("n1", new ManualRuntime());
  fresh.addService("ticker", ticker({}));
  await fresh.resume(saved);
  assert.deepEqual((fresh.service("ticker") as unknown as { state: unknown }).state, { ticks: 2, tocks: 1 });
  assert.deepEqual(fresh.armedTimers().length, original.armedTimers().length);
  assert.deepEqual(fresh.checkpoint(), saved, "call ids continue where the original was");
});

test("checkpoint: a service without the hooks makes the node uncheckpointable; a checkpoint of other services is refused", async () => {
  const host = new NodeHost("n1", new ManualRuntime());
  host.addService("ticker", ticker({}));
  host.addService("plain", service<{}>(() => ({ handlers: {} })));
  host.start();
  assert.deepEqual(host.servicesWithoutCheckpoint(), ["plain"]);
  assert.throws(() => host.checkpoint(), CheckpointError);
  const other = new NodeHost("n1", new ManualRuntime());
  other.addService("ticker", ticker({}));
  await assert.rejects(other.resume({ callIdBase: 1, callCount: 0, services: [["tocker", {}]] }), CheckpointError);
});
