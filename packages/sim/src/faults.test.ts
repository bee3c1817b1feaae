import assert from "node:assert/strict";
import { test } from "node:test";
import { ref, RemoteError, TimeoutError, UnreachableError } from "@skein/core";
import { runLoop } from "./run-loop.ts";
import { Simulation } from "./simulation.ts";
import { type KvProtocol, kv, type Probe, probe } from "./test-services.ts";
import { constant } from "./topology.ts";

const server = ref<KvProtocol>("server", "kv");

/** A server running `kv` and a client running `probe`, 5 ms apart, started. */
async function cluster(seed = 1) {
  const sim = new Simulation({ seed, topology: constant(5) });
  sim.addNode("server", { kv });
  sim.addNode("client", { probe });
  await runLoop(sim, { untilMs: 0 });
  const ctx = sim.service<Probe>("client", "probe")!.ctx;
  return { sim, ctx };
}

/** Runs the simulation until `promise` settles (or `untilMs`), and returns its outcome. */
async function settle<T>(sim: Simulation, promise: Promise<T>, untilMs = 60_000): Promise<{ value?: T; error?: unknown }> {
  let outcome: { value?: T; error?: unknown } | undefined;
  promise.then(
    (value) => (outcome = { value }),
    (error: unknown) => (outcome = { error }),
  );
  await runLoop(sim, { untilMs: sim.timeMs + untilMs, stopWhen: () => outcome !== undefined });
  assert.ok(outcome, "the call never settled");
  return outcome;
}

test("call/reply: a reply arrives after one round trip of virtual time", async () => {
  const { sim, ctx } = await cluster();
  const start = sim.timeMs;
  const { value } = await settle(sim, ctx.call(server, { type: "put", key: "a", value: 1, sync: true }));
  assert.deepEqual(value, { ok: true });
  assert.equal(sim.timeMs - start, 10);
});

test("call: a throwing handler gives RemoteError; unknown type and service are named", async () => {
  const { sim, ctx } = await cluster();
  const boom = await settle(sim, ctx.call(server, { type: "boom", why: "kaput" }));
  assert.ok(boom.error instanceof RemoteError && boom.error.remoteMessage === "kaput");
  const unknown = await settle(sim, ctx.call(ref<{ nope: { request: object; reply: void } }>("server", "kv"), { type: "nope" }));
  assert.ok(unknown.error instanceof RemoteError && unknown.error.remoteName === "UnknownMessageType");
  const noService = await settle(sim, ctx.call(ref<KvProtocol>("server", "other"), { type: "get", key: "a" }));
  assert.ok(noService.error instanceof RemoteError && noService.error.remoteName === "NoSuchService");
});

test("call: a reply slower than the timeout fails with TimeoutError at the deadline", async () => {
  const { sim, ctx } = await cluster();
  const start = sim.timeMs;
  const { error } = await settle(sim, ctx.call(server, { type: "slow", delayMs: 1_000 }, { timeoutMs: 100 }));
  assert.ok(error instanceof TimeoutError);
  assert.equal(sim.timeMs - start, 100);
});

test("crash with power loss: synced writes are kept, unsynced writes are lost; memory is gone", async () => {
  const { sim, ctx } = await cluster();
  await settle(sim, ctx.call(server, { type: "put", key: "synced", value: 1, sync: true }));
  await settle(sim, ctx.call(server, { type: "put", key: "unsynced", value: 2, sync: false }));
  ctx.send(server, { type: "note", text: "in memory" });
  await runLoop(sim, { untilMs: sim.timeMs + 10 });
  assert.deepEqual(sim.service<{ notes: string[] }>("server", "kv")!.notes, ["in memory"]);
  sim.faults.crash("server", { loseUnsynced: true, keepUnsynced: 0 });
  sim.faults.restart("server");
  await runLoop(sim, { untilMs: sim.timeMs });
  assert.deepEqual(sim.service<{ notes: string[] }>("server", "kv")!.notes, []);
  assert.deepEqual((await settle(sim, ctx.call(server, { type: "get", key: "synced" }))).value, { value: 1 });
  assert.deepEqual((await settle(sim, ctx.call(server, { type: "get", key: "unsynced" }))).value, { value: null });
  assert.equal(sim.faultsFired["power-loss"], 1);
});

test("a plain process crash keeps unsynced writes (the OS has them)", async () => {
  const { sim, ctx } = await cluster();
  await settle(sim, ctx.call(server, { type: "put", key: "k", value: 7, sync: false }));
  sim.faults.crash("server");
  sim.faults.restart("server");
  assert.deepEqual((await settle(sim, ctx.call(server, { type: "get", key: "k" }))).value, { value: 7 });
});

test("a call to a crashed node fails with UnreachableError; a crash cancels the node's timers", async () => {
  const { sim } = await cluster();
  let fired = 0;
  const timer = sim.service<Probe>("client", "probe")!.ctx.setTimer(50, () => fired++);
  sim.faults.crash("client");
  sim.faults.restart("client");
  await runLoop(sim, { untilMs: sim.timeMs + 100 });
  assert.equal(fired, 0);
  assert.equal(timer.active, false);
  const fresh = sim.service<Probe>("client", "probe")!.ctx;
  sim.faults.crash("server");
  const { error } = await settle(sim, fresh.call(server, { type: "get", key: "a" }));
  assert.ok(error instanceof UnreachableError, String(error));
  assert.match((error as UnreachableError).reason, /down/);
});

test("a partition makes calls fail with UnreachableError; heal restores them", async () => {
  const { sim, ctx } = await cluster();
  sim.faults.partition(["server"]);
  const { error } = await settle(sim, ctx.call(server, { type: "get", key: "a" }));
  assert.ok(error instanceof UnreachableError && error.reason === "partition");
  sim.faults.heal();
  assert.deepEqual((await settle(sim, ctx.call(server, { type: "get", key: "a" }))).value, { value: null });
});

test("a one-way partition drops one direction only", async () => {
  const { sim, ctx } = await cluster();
  sim.faults.partitionOneWay(["server"], ["client"]);
  ctx.send(server, { type: "note", text: "to server" });
  const { error } = await settle(sim, ctx.call(server, { type: "get", key: "a" }, { timeoutMs: 200 }));
  assert.ok(error instanceof TimeoutError, "the request arrives but the reply is cut");
  assert.deepEqual(sim.service<{ notes: string[] }>("server", "kv")!.notes, ["to server"]);
});

test("duplication delivers messages twice; loss drops them", async () => {
  const { sim, ctx } = await cluster();
  sim.faults.setDuplicate(1);
  for (let i = 0; i < 10; i++) ctx.send(server, { type: "note", text: `m${i}` });
  await runLoop(sim, { untilMs: sim.timeMs + 100 });
  const notes = sim.service<{ notes: string[] }>("server", "kv")!.notes;
  assert.equal(notes.length, 20);
  assert.equal(sim.faultsFired.duplicated, 10);
  sim.faults.setDuplicate(0);
  sim.faults.setLoss(1);
  ctx.send(server, { type: "note", text: "lost" });
  await runLoop(sim, { untilMs: sim.timeMs + 100 });
  assert.equal(notes.length, 20);
  assert.equal(sim.faultsFired["dropped-by-loss"], 1);
});

test("extra delay reorders messages", async () => {
  const { sim, ctx } = await cluster(3);
  sim.faults.setDelay(0.5, 100);
  for (let i = 0; i < 40; i++) ctx.send(server, { type: "note", text: String(i) });
  await runLoop(sim, { untilMs: sim.timeMs + 500 });
  const order = sim.service<{ notes: string[] }>("server", "kv")!.notes.map(Number);
  assert.equal(order.length, 40);
  assert.notDeepEqual(order, [...order].sort((a, b) => a - b), "expected some reordering");
});

test("clock skew shifts a node's now() but not the others'", async () => {
  const { sim, ctx } = await cluster();
  const before = ctx.now();
  sim.faults.skew("client", 1_500);
  assert.equal(ctx.now(), before + 1_500);
  assert.equal(sim.now(sim.node("server")), sim.timeMs);
});

test("a dead incarnation is inert: its sends go nowhere and its calls never settle", async () => {
  const { sim, ctx } = await cluster();
  sim.faults.crash("client");
  sim.faults.restart("client");
  ctx.send(server, { type: "note", text: "zombie" });
  await runLoop(sim, { untilMs: sim.timeMs + 50 });
  assert.deepEqual(sim.service<{ notes: string[] }>("server", "kv")!.notes, []);
});
