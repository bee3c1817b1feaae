// TLS between NetNodes: mutual certificates checked against the cluster CA, with the HMAC
// handshake still running inside. Certificates are the 100-year fixtures in fixtures/tls.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { test } from "node:test";
import { type Context, ref, service, UnreachableError } from "@skein/core";
import { NetNode, type NetInit, type NetLogLine } from "./index.ts";

type Echo = { echo: { request: { text: string }; reply: { text: string } } };
const echoServer = service<Echo>(() => ({ handlers: { echo: ({ text }) => ({ text }) } }));
const echo = ref<Echo>("server", "echo");

const fixture = (name: string) => readFileSync(new URL(`./fixtures/tls/${name}`, import.meta.url));
const TLS = { key: fixture("node.key"), cert: fixture("node.crt"), ca: fixture("ca.crt") };
/** A certificate from a CA the cluster does not trust (it trusts the cluster's CA itself). */
const ROGUE = { key: fixture("rogue.key"), cert: fixture("rogue.crt"), ca: fixture("ca.crt") };
const FAST = { connectAttemptsMax: 2, backoff: { initialMs: 5, maxMs: 20 }, connectTimeoutMs: 1_000, handshakeTimeoutMs: 1_000 } as const;

type Init = Partial<NetInit>;
type Hooks = { after(fn: () => void): void };

/** A TLS echo server and a client node with a probe service whose context the test calls through. */
async function pair(t: Hooks, serverInit: Init, clientInit: Init) {
  const logs: NetLogLine[] = [];
  const server = new NetNode({ id: "server", secret: "s", onLog: (l) => logs.push(l), ...FAST, ...serverInit });
  server.addService("echo", echoServer);
  const address = await server.start();
  const client = await clientOf(t, address, logs, clientInit);
  t.after(() => server.stop());
  return { server, address, logs, ...client };
}

async function clientOf(t: Hooks, address: { host: string; port: number }, logs: NetLogLine[], init: Init, id = "client") {
  let ctx: Context | undefined;
  const client = new NetNode({ id, secret: "s", peers: { server: address }, onLog: (l) => logs.push(l), ...FAST, ...init });
  client.addService(
    "probe",
    service<{}>((c) => {
      ctx = c;
      return { handlers: {} };
    }),
  );
  await client.start();
  t.after(() => client.stop());
  return { client, ctx: () => ctx! };
}

test("net tls: two nodes call and reply over TLS, the HMAC handshake inside it", async (t) => {
  const { ctx, logs, server } = await pair(t, { tls: TLS }, { tls: TLS });
  assert.deepEqual(await ctx().call(echo, { type: "echo", text: "over tls" }, { timeoutMs: 5_000 }), { text: "over tls" });
  const many = await Promise.all(Array.from({ length: 200 }, (_, i) => ctx().call(echo, { type: "echo", text: `m${i}` }, { timeoutMs: 5_000 })));
  assert.deepEqual(many.map((r) => r.text), Array.from({ length: 200 }, (_, i) => `m${i}`));
  assert.equal(server.stats.connectionsRefused, 0, logs.map((l) => l.message).join("\n"));
});

test("net tls: a TLS peer with the wrong cluster secret is still refused by the HMAC handshake", async (t) => {
  const { ctx, logs } = await pair(t, { tls: TLS }, { tls: TLS, secret: "wrong" });
  await assert.rejects(ctx().call(echo, { type: "echo", text: "x" }, { timeoutMs: 5_000 }), UnreachableError);
  assert.ok(logs.some((l) => l.node === "server" && /failed authentication/.test(l.message)), "the server logged the refusal");
});

test("net tls: a plain-TCP peer is refused with a logged reason, told why in a plain Refuse, and the node keeps serving", async (t) => {
  const { ctx, logs, server, address } = await pair(t, { tls: TLS }, {});
  await assert.rejects(ctx().call(echo, { type: "echo", text: "plain" }, { timeoutMs: 5_000 }), UnreachableError);
  assert.ok(logs.some((l) => l.node === "server" && l.level === "warn" && /TLS/.test(l.message)), `the server logged why:\n${logs.map((l) => `${l.node}: ${l.message}`).join("\n")}`);
  assert.ok(logs.some((l) => l.node === "client" && /refused.*this listener requires TLS/.test(l.message)), `the client heard why:\n${logs.map((l) => `${l.node}: ${l.message}`).join("\n")}`);
  assert.ok(server.stats.connectionsRefused >= 1);
  const good = await clientOf(t, address, logs, { tls: TLS }, "client2");
  assert.deepEqual(await good.ctx().call(echo, { type: "echo", text: "still here" }, { timeoutMs: 5_000 }), { text: "still here" });
});

test("net tls: a raw socket that sends garbage or nothing does not disturb a TLS node", async (t) => {
  const { ctx, logs, address } = await pair(t, { tls: TLS, handshakeTimeoutMs: 300 }, { tls: TLS });
  const garbage = connect(address);
  garbage.on("error", () => {});
  garbage.resume(); // it reads what it is sent (a plain Refuse), as any peer does, so it sees the end
  garbage.write(Buffer.from("GET / HTTP/1.1\r\n\r\n"));
  const silent = connect(address);
  silent.on("error", () => {});
  const closed = (s: ReturnType<typeof connect>) => new Promise((resolve) => s.once("close", resolve));
  await Promise.all([closed(garbage), closed(silent)]);
  assert.deepEqual(await ctx().call(echo, { type: "echo", text: "fine" }, { timeoutMs: 5_000 }), { text: "fine" });
  assert.ok(logs.filter((l) => l.node === "server" && /TLS/.test(l.message)).length >= 2, logs.map((l) => l.message).join("\n"));
});

test("net tls: a peer whose certificate is not signed by the cluster CA is refused, and told why", async (t) => {
  const { ctx, logs, server } = await pair(t, { tls: TLS }, { tls: ROGUE });
  await assert.rejects(ctx().call(echo, { type: "echo", text: "rogue" }, { timeoutMs: 5_000 }), UnreachableError);
  const all = logs.map((l) => `${l.node}: ${l.message}`).join("\n");
  assert.ok(logs.some((l) => l.node === "server" && l.level === "warn" && /TLS/.test(l.message)), `the server logged why:\n${all}`);
  assert.ok(logs.some((l) => l.node === "client" && /refused.*TLS: your certificate was not accepted/.test(l.message)), `the client heard why:\n${all}`);
  assert.equal(server.stats.envelopesReceived, 0);
});

test("net tls: a client refuses a server whose certificate is not signed by the cluster CA", async (t) => {
  const { ctx, logs, server } = await pair(t, { tls: ROGUE }, { tls: TLS });
  const error = await ctx().call(echo, { type: "echo", text: "to rogue" }, { timeoutMs: 5_000 }).then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof UnreachableError, String(error));
  assert.match(error.message, /certificate|issuer/i);
  assert.equal(server.stats.envelopesReceived, 0);
  assert.ok(logs.some((l) => l.node === "client" && l.level === "warn"), logs.map((l) => `${l.node}: ${l.message}`).join("\n"));
});

test("net tls: a TLS peer connecting to a plain-TCP node is refused with a logged reason", async (t) => {
  const { ctx, logs, server } = await pair(t, {}, { tls: TLS });
  await assert.rejects(ctx().call(echo, { type: "echo", text: "tls to plain" }, { timeoutMs: 5_000 }), UnreachableError);
  assert.ok(logs.some((l) => l.node === "server" && l.level === "warn" && /looks like TLS/.test(l.message)), logs.map((l) => `${l.node}: ${l.message}`).join("\n"));
  assert.equal(server.stats.envelopesReceived, 0);
});
