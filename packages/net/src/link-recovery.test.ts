// A link that has failed to reach a peer must take the peer back as soon as the peer proves
// itself: an authenticated inbound connection from it (or our own successful connect) clears
// the link's failures, so calls go through at once instead of failing fast for a backoff period.
import assert from "node:assert/strict";
import { connect, createServer, type Socket } from "node:net";
import { test } from "node:test";
import { type Context, ref, service, UnreachableError } from "@skein/core";
import { NetNode, type NetInit, type NetLogLine } from "./index.ts";

type Echo = { echo: { request: { text: string }; reply: { text: string } } };
const echoServer = service<Echo>(() => ({ handlers: { echo: ({ text }) => ({ text }) } }));

/**
 * One failed attempt gives up, and the fail-fast period after it (≥ 10 s) and the handshake
 * timeout (5 s) are far longer than the waits below, so a call that succeeds within them
 * could only have gone through the peer's own connection.
 */
const SLOW_TO_RETRY = { connectAttemptsMax: 1, backoff: { initialMs: 10_000, maxMs: 20_000 }, connectTimeoutMs: 5_000, handshakeTimeoutMs: 5_000 } as const;
const CALL_MS = 3_000;

/** A node with an echo service and a probe whose context the test calls through. */
async function node(t: { after(fn: () => void): void }, id: string, logs: NetLogLine[], init: Partial<NetInit> = {}) {
  let ctx: Context | undefined;
  const net = new NetNode({ id, secret: "s", onLog: (l) => logs.push(l), ...SLOW_TO_RETRY, ...init });
  net.addService("echo", echoServer);
  net.addService(
    "probe",
    service<{}>((c) => {
      ctx = c;
      return { handlers: {} };
    }),
  );
  await net.start();
  t.after(() => net.stop());
  return { net, ctx: () => ctx! };
}

const echoAt = (target: string) => ref<Echo>(target, "echo");
const dump = (logs: NetLogLine[]) => logs.map((l) => `${l.node} ${l.level}: ${l.message}`).join("\n");

test("net link: after giving up on a peer, its inbound connection after a restart lets calls through at once", async (t) => {
  const logs: NetLogLine[] = [];
  const client = await node(t, "client", logs);
  const server = await node(t, "server", logs);
  client.net.setPeers({ server: server.net.address! });
  server.net.setPeers({ client: client.net.address! });
  server.net.crash();
  await assert.rejects(client.ctx().call(echoAt("server"), { type: "echo", text: "while down" }, { timeoutMs: CALL_MS }), UnreachableError);
  // the link has given up: for now, calls fail fast
  await assert.rejects(client.ctx().call(echoAt("server"), { type: "echo", text: "fail fast" }, { timeoutMs: CALL_MS }), /link to server is down/);
  await server.net.start();
  // the restarted server reaches the client: an authenticated inbound connection
  assert.deepEqual(await server.ctx().call(echoAt("client"), { type: "echo", text: "I am back" }, { timeoutMs: CALL_MS }), { text: "I am back" });
  assert.deepEqual(await client.ctx().call(echoAt("server"), { type: "echo", text: "welcome back" }, { timeoutMs: CALL_MS }), { text: "welcome back" }, dump(logs));
});

test("net link: a peer that connects to us is taken even while our own attempt is stuck at a stale address", async (t) => {
  // "a" < "b": in a simultaneous open, a's own connection wins; but a's attempt goes to a
  // stale address (a listener that accepts and never answers), so it is no connection at all
  const stale = createServer((socket) => held.push(socket));
  const held: Socket[] = [];
  await new Promise<void>((resolve) => stale.listen({ host: "127.0.0.1", port: 0 }, resolve));
  t.after(() => {
    for (const socket of held) socket.destroy();
    stale.close();
  });
  const staleAddress = { host: "127.0.0.1", port: (stale.address() as { port: number }).port };
  const logs: NetLogLine[] = [];
  const a = await node(t, "a", logs);
  const b = await node(t, "b", logs);
  a.net.setPeers({ b: staleAddress });
  b.net.setPeers({ a: a.net.address! });
  const reachedStale = new Promise((resolve) => stale.once("connection", resolve));
  const started = performance.now();
  const fromA = a.ctx().call(echoAt("b"), { type: "echo", text: "a to b" }, { timeoutMs: CALL_MS });
  await reachedStale; // a's attempt is connected to the stale address, its handshake pending
  assert.deepEqual(await b.ctx().call(echoAt("a"), { type: "echo", text: "b to a" }, { timeoutMs: CALL_MS }), { text: "b to a" }, dump(logs));
  assert.deepEqual(await fromA, { text: "a to b" }, dump(logs));
  assert.ok(performance.now() - started < SLOW_TO_RETRY.handshakeTimeoutMs, "a's call went over b's connection, not after its own attempt failed");
  assert.deepEqual(await a.ctx().call(echoAt("b"), { type: "echo", text: "again" }, { timeoutMs: CALL_MS }), { text: "again" });
});

test("net link: two nodes that dial each other at the same moment end up with one working connection (50 rounds)", async (t) => {
  const logs: NetLogLine[] = [];
  const fast = { connectAttemptsMax: 4, backoff: { initialMs: 5, maxMs: 20 } };
  const a = await node(t, "a", logs, fast);
  const b = await node(t, "b", logs, fast);
  for (let round = 0; round < 50; round++) {
    a.net.setPeers({ b: b.net.address! });
    b.net.setPeers({ a: a.net.address! });
    const [ab, ba] = await Promise.all([
      a.ctx().call(echoAt("b"), { type: "echo", text: `a${round}` }, { timeoutMs: CALL_MS }),
      b.ctx().call(echoAt("a"), { type: "echo", text: `b${round}` }, { timeoutMs: CALL_MS }),
    ]);
    assert.deepEqual([ab.text, ba.text], [`a${round}`, `b${round}`], dump(logs));
    // both restart, so the next round dials from scratch on both sides
    a.net.crash();
    b.net.crash();
    await Promise.all([a.net.start(), b.net.start()]);
  }
  assert.ok(!logs.some((l) => l.level === "warn" && /gave up/.test(l.message)), dump(logs));
});

/**
 * A TCP relay to `target` that can go silent the way a vanished machine does: it stops relaying
 * and drops its upstream side, but keeps the client's socket open (no FIN, no RST).
 */
async function silentableRelay(t: { after(fn: () => void): void }, target: { host: string; port: number }) {
  const sockets: Socket[] = [];
  let silent = false;
  const relay = createServer((client) => {
    const upstream = connect(target.port, target.host);
    sockets.push(client, upstream);
    client.on("data", (data) => silent || upstream.write(data));
    upstream.on("data", (data) => silent || client.write(data));
    client.on("error", () => {});
    upstream.on("error", () => {});
    upstream.on("close", () => silent || client.destroy());
    client.on("close", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => relay.listen({ host: "127.0.0.1", port: 0 }, resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    relay.close();
  });
  return {
    address: { host: "127.0.0.1", port: (relay.address() as { port: number }).port },
    goSilent() {
      silent = true;
    },
  };
}

test("net link: a peer that vanished without closing its connection and came back is taken at once", async (t) => {
  // "a" < "b": a's own connection to b wins a simultaneous open. b's machine vanishes (the
  // relay goes silent: a's socket stays open), then b starts again and dials a. Its new
  // incarnation tells a that the old connection is dead, long before a's read timeout would.
  const logs: NetLogLine[] = [];
  const a = await node(t, "a", logs, { readTimeoutMs: 60_000 });
  const b1 = await node(t, "b", logs);
  const relay = await silentableRelay(t, b1.net.address!);
  a.net.setPeers({ b: relay.address });
  b1.net.setPeers({ a: a.net.address! });
  assert.deepEqual(await a.ctx().call(echoAt("b"), { type: "echo", text: "over a's connection" }, { timeoutMs: CALL_MS }), { text: "over a's connection" });
  relay.goSilent();
  b1.net.crash();
  const b2 = await node(t, "b", logs);
  b2.net.setPeers({ a: a.net.address! });
  const started = performance.now();
  assert.deepEqual(await b2.ctx().call(echoAt("a"), { type: "echo", text: "b is back" }, { timeoutMs: CALL_MS }), { text: "b is back" }, dump(logs));
  assert.deepEqual(await a.ctx().call(echoAt("b"), { type: "echo", text: "welcome back" }, { timeoutMs: CALL_MS }), { text: "welcome back" }, dump(logs));
  assert.ok(performance.now() - started < CALL_MS);
  assert.ok(logs.some((l) => /b restarted: a new incarnation connected/.test(l.message)), dump(logs));
});
