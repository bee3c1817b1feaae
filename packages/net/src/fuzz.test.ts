// The frame fuzz test: 100 000 random and mutated frames against the connection code, most of
// them fed straight into a Connection over an in-memory socket (fast), some over real sockets
// to a running node while a well-behaved client keeps calling it. The node must never throw,
// must close each bad connection with a reason, and must keep serving the good client.
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { connect, type Socket } from "node:net";
import { test } from "node:test";
import { type Context, type Envelope, EnvelopeKind, ref, service } from "@skein/core";
import { proveKnowledge } from "./auth.ts";
import { decodeHello, encodeEnvelopeFrame, pack } from "./codec.ts";
import { Connection, type ConnectionOwner } from "./connection.ts";
import { encodeFrame, FrameDecoder, FrameType } from "./frame.ts";
import { NetNode } from "./net-node.ts";
import { WIRE_VERSION } from "./limits.ts";

const SEED = 20240611;
const DIRECT_CASES = 100_000;
const SOCKET_CASES = 1_500;

/** xorshift32: the fuzz input is a function of SEED alone. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n) };
}

/** An in-memory stand-in for a socket: records writes, never touches the network. */
class MemorySocket extends EventEmitter {
  written: Buffer[] = [];
  destroyed = false;
  writableLength = 0;
  remoteAddress = "memory";
  setNoDelay(): void {}
  write(bytes: Buffer): boolean {
    this.written.push(bytes);
    return true;
  }
  end(): void {}
  destroy(): void {
    this.destroyed = true;
  }
}

const SECRET = "fuzz-secret";

function owner(delivered: Envelope[], closes: string[]): ConnectionOwner {
  return {
    self: "server",
    secret: SECRET,
    version: WIRE_VERSION,
    incarnation: new Uint8Array(8),
    frameBytesMax: 64 * 1024,
    handshakeTimeoutMs: 60_000,
    readTimeoutMs: 60_000,
    pingIntervalMs: 60_000,
    admit: () => undefined,
    opened: () => {},
    envelope: (_c, envelope) => delivered.push(envelope),
    closed: (_c, reason) => closes.push(reason),
  };
}

/** The three handshake frames of a connector called `client`, answering the acceptor's nonce. */
function handshake(): { hello: Buffer; auth: (acceptorHello: Buffer) => Buffer } {
  const hello = encodeFrame(FrameType.Hello, pack({ magic: "skein", version: WIRE_VERSION, node: "client", target: "server", nonce: new Uint8Array(16), incarnation: new Uint8Array(8) }));
  return {
    hello,
    auth: (reply) => {
      let nonce: Uint8Array | undefined;
      new FrameDecoder(1 << 20).push(reply, (f) => {
        nonce = decodeHello(f.body, WIRE_VERSION).nonce;
      });
      return encodeFrame(FrameType.Auth, pack({ proof: proveKnowledge(SECRET, "connect", nonce!, "client") }));
    },
  };
}

/** An acceptor connection over a memory socket, brought through the handshake (or not). */
function memoryConnection(open: boolean, delivered: Envelope[], closes: string[]) {
  const memory = new MemorySocket();
  const connection = new Connection(memory as unknown as Socket, "acceptor", owner(delivered, closes));
  if (open) {
    const steps = handshake();
    memory.emit("data", steps.hello);
    memory.emit("data", steps.auth(memory.written[0]!));
    assert.ok(connection.isOpen, "handshake failed");
  }
  return { memory, connection };
}

const client = { node: "client", service: "probe" };
const server = { node: "server", service: "echo" };
function validFrames(): Buffer[] {
  const bodies: Envelope[] = [
    { kind: EnvelopeKind.Send, source: client, target: server, type: "echo", body: { type: "echo", text: "hi" }, callId: 0 },
    { kind: EnvelopeKind.Call, source: client, target: server, type: "echo", body: { type: "echo", text: "x".repeat(100), n: [1, 2.5, null] }, callId: 7 },
    { kind: EnvelopeKind.Reply, source: client, target: server, type: "echo", body: { ok: true }, callId: 9 },
    { kind: EnvelopeKind.Failure, source: client, target: server, type: "echo", body: { name: "Error", message: "no" }, callId: 3 },
  ];
  const frames = bodies.map((e) => encodeEnvelopeFrame(e, 1 << 20));
  frames.push(encodeFrame(FrameType.Ping, pack(0)));
  frames.push(encodeFrame(FrameType.Hello, pack({ magic: "skein", version: WIRE_VERSION + 1, node: "client", target: "server", nonce: new Uint8Array(16), incarnation: new Uint8Array(8) })));
  return frames;
}

/** One fuzz input: a valid frame mutated, random bytes, or a hostile length. */
function mutate(random: ReturnType<typeof rng>, frames: Buffer[]): Buffer {
  const base = Buffer.from(frames[random.int(frames.length)]!);
  switch (random.int(8)) {
    case 0: // flip bytes
      for (let i = 1 + random.int(4); i > 0; i--) base[random.int(base.length)] = random.int(256);
      return base;
    case 1: // truncate
      return base.subarray(0, random.int(base.length));
    case 2: // lie about the length
      base.writeUInt32BE(random.int(2) ? random.int(0x7fffffff) : random.int(base.length + 8), 0);
      return base;
    case 3: // wrong frame type
      base[4] = random.int(256);
      return base;
    case 4: // random garbage
      return Buffer.from(Array.from({ length: random.int(64) }, () => random.int(256)));
    case 5: // valid header, random msgpack-ish body
      return encodeFrame(FrameType.Envelope, Buffer.from(Array.from({ length: 1 + random.int(40) }, () => random.int(256))));
    case 6: // well-formed msgpack of the wrong shape
      return encodeFrame(FrameType.Envelope, pack([random.int(6), "client", "probe", "server", "echo", random.int(2) ? "echo" : "", random.int(3) - 1, random.int(2) ? { type: "echo" } : [1]]));
    default: // a valid frame, then extra bytes
      return Buffer.concat([base, Buffer.from([random.int(256), random.int(256)])]);
  }
}

test(`net fuzz: ${DIRECT_CASES} random and mutated frames never escape the connection`, () => {
  const random = rng(SEED);
  const frames = validFrames();
  const delivered: Envelope[] = [];
  const closes: string[] = [];
  let current = memoryConnection(true, delivered, closes);
  for (let i = 0; i < DIRECT_CASES; i++) {
    if (current.connection.isClosed) current = memoryConnection(random.int(4) !== 0, delivered, closes);
    const input = mutate(random, frames);
    // split the input at a random point, as TCP may
    const cut = random.int(input.length + 1);
    current.memory.emit("data", input.subarray(0, cut));
    current.memory.emit("data", input.subarray(cut));
  }
  assert.ok(closes.length > 1000, `only ${closes.length} connections were closed`);
  for (const reason of closes) assert.match(reason, /^(bad frame|refused|closed)/);
  const kinds = new Set(closes.map((r) => r.replace(/[0-9]+/g, "N").slice(0, 40)));
  assert.ok(kinds.size >= 5, `too few distinct close reasons: ${[...kinds].join(" | ")}`);
  for (const envelope of delivered) {
    assert.equal(envelope.source.node, "client");
    assert.ok(envelope.kind >= 0 && envelope.kind <= 3);
  }
  assert.ok(delivered.length > 100, "some valid frames got through");
});

test("net fuzz: a truncated frame waits for the rest; an oversized length is refused before buffering", () => {
  const frame = validFrames()[1]!;
  const decoder = new FrameDecoder(1 << 20);
  const got: number[] = [];
  for (const byte of frame) decoder.push(Buffer.from([byte]), (f) => got.push(f.type));
  assert.deepEqual(got, [FrameType.Envelope]);
  assert.equal(decoder.bufferedBytes, 0);
  const huge = Buffer.alloc(8);
  huge.writeUInt32BE(0xffffffff, 0);
  assert.throws(() => new FrameDecoder(1 << 20).push(huge, () => {}), /exceeds the limit/);
});

async function rawConnection(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port }, () => resolve(socket));
    socket.on("error", reject);
  });
}

test(`net fuzz: ${SOCKET_CASES} bad frames over real sockets; the node keeps serving a good client`, async (t) => {
  type Echo = { echo: { request: { text: string }; reply: { text: string } } };
  const logs: string[] = [];
  const node = new NetNode({ id: "server", secret: SECRET, onLog: (l) => logs.push(l.message) });
  node.addService("echo", service<Echo>(() => ({ handlers: { echo: ({ text }) => ({ text }) } })));
  const address = await node.start();
  let ctx: Context | undefined;
  const good = new NetNode({ id: "good", secret: SECRET, peers: { server: address }, onLog: () => {} });
  good.addService(
    "probe",
    service<{}>((c) => {
      ctx = c;
      return { handlers: {} };
    }),
  );
  await good.start();
  t.after(() => {
    good.stop();
    node.stop();
  });
  const random = rng(SEED + 1);
  const frames = validFrames();
  let sent = 0;
  while (sent < SOCKET_CASES) {
    const socket = await rawConnection(address.port);
    socket.on("error", () => {});
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    // half the connections authenticate first, so the fuzz reaches the open-connection path
    if (random.int(2)) {
      const steps = handshake();
      socket.write(steps.hello);
      const reply = await new Promise<Buffer>((resolve) => socket.once("data", resolve));
      socket.write(steps.auth(reply));
    }
    for (let i = 0; i < 50 && sent < SOCKET_CASES; i++, sent++) socket.write(mutate(random, frames));
    socket.end();
    await closed;
    const reply = await ctx!.call(ref<Echo>("server", "echo"), { type: "echo", text: `alive ${sent}` }, { timeoutMs: 5_000 });
    assert.equal(reply.text, `alive ${sent}`);
  }
  assert.ok(node.stats.connectionsClosedBadInput > 10, `only ${node.stats.connectionsClosedBadInput} connections closed for bad input`);
  assert.ok(logs.some((m) => /closed: bad frame/.test(m)), "bad frames are logged with a reason");
});
