import assert from "node:assert/strict";
import { test } from "node:test";
import { type Context, MessageError, ref, service, UnreachableError } from "@skein/core";
import { NetNode, type NetLogLine } from "./index.ts";

type Echo = { echo: { request: { text: string }; reply: { text: string } } };
const echoServer = service<Echo>(() => ({ handlers: { echo: ({ text }) => ({ text }) } }));

/** A service that only hands out its context, so tests can call from outside. */
function probe(): { factory: ReturnType<typeof service>; ctx: () => Context } {
  let current: Context | undefined;
  return {
    factory: service<{}>((ctx) => {
      current = ctx;
      return { handlers: {} };
    }),
    ctx: () => current!,
  };
}

const FAST = { connectAttemptsMax: 2, backoff: { initialMs: 5, maxMs: 20 }, connectTimeoutMs: 500 } as const;

async function pair(t: { after(fn: () => void): void }, serverInit: Partial<ConstructorParameters<typeof NetNode>[0]> = {}, clientInit: Partial<ConstructorParameters<typeof NetNode>[0]> = {}) {
  const logs: NetLogLine[] = [];
  const server = new NetNode({ id: "server", secret: "s", onLog: (l) => logs.push(l), ...FAST, ...serverInit });
  server.addService("echo", echoServer);
  const address = await server.start();
  const client = new NetNode({ id: "client", secret: "s", peers: { server: address }, onLog: (l) => logs.push(l), ...FAST, ...clientInit });
  const p = probe();
  client.addService("probe", p.factory);
  await client.start();
  t.after(() => {
    client.stop();
    server.stop();
  });
  return { server, client, ctx: p.ctx, logs };
}

test("net: a call crosses TCP and its reply comes back", async (t) => {
  const { ctx } = await pair(t);
  const reply = await ctx().call(ref<Echo>("server", "echo"), { type: "echo", text: "hello" }, { timeoutMs: 2_000 });
  assert.deepEqual(reply, { text: "hello" });
  const many = await Promise.all(Array.from({ length: 500 }, (_, i) => ctx().call(ref<Echo>("server", "echo"), { type: "echo", text: `m${i}` }, { timeoutMs: 5_000 })));
  assert.deepEqual(many.map((r) => r.text), Array.from({ length: 500 }, (_, i) => `m${i}`));
});

test("net: a peer with the wrong cluster secret is refused, with the reason logged", async (t) => {
  const { ctx, logs, server } = await pair(t, {}, { secret: "wrong" });
  await assert.rejects(ctx().call(ref<Echo>("server", "echo"), { type: "echo", text: "x" }, { timeoutMs: 3_000 }), UnreachableError);
  assert.ok(logs.some((l) => l.node === "server" && /failed authentication/.test(l.message)), "server logged the refusal");
  assert.ok(logs.some((l) => l.node === "client" && /failed authentication/.test(l.message)), "client logged why it could not connect");
  assert.ok(server.stats.connectionsRefused >= 1);
});

test("net: a call to a node that is down fails with UnreachableError once the link gives up", async (t) => {
  const { ctx, server } = await pair(t);
  server.crash();
  const error = await ctx()
    .call(ref<Echo>("server", "echo"), { type: "echo", text: "x" }, { timeoutMs: 5_000 })
    .then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof UnreachableError || (error as Error).name === "TimeoutError", String(error));
  // once the link has given up, further calls fail fast with UnreachableError
  await assert.rejects(ctx().call(ref<Echo>("server", "echo"), { type: "echo", text: "y" }, { timeoutMs: 5_000 }), UnreachableError);
});

test("net: a full outbound queue refuses a send with MessageError and a call with UnreachableError", async (t) => {
  const { ctx } = await pair(t, {}, { queueMessagesMax: 4, connectTimeoutMs: 2_000 });
  const server = ref<Echo>("server", "echo");
  // the link is not connected yet, so messages queue up while it dials
  for (let i = 0; i < 4; i++) ctx().send(server, { type: "echo", text: `${i}` });
  assert.throws(() => ctx().send(server, { type: "echo", text: "overflow" }), MessageError);
  await assert.rejects(ctx().call(server, { type: "echo", text: "overflow" }, { timeoutMs: 2_000 }), UnreachableError);
});

test("net: an oversized message is refused with MessageError before it leaves", async (t) => {
  const { ctx } = await pair(t, {}, { frameBytesMax: 1024 });
  assert.throws(() => ctx().send(ref<Echo>("server", "echo"), { type: "echo", text: "x".repeat(2000) }), MessageError);
});
