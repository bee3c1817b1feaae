import assert from "node:assert/strict";
import { test } from "node:test";
import { type Envelope, EnvelopeKind, MessageError } from "@skein/core";
import { encodeEnvelopeFrame } from "./codec.ts";
import { OutboundQueue } from "./outbound-queue.ts";

const source = { node: "client", service: "probe" };
const target = { node: "server", service: "echo" };
const send = (body: Record<string, unknown>, kind: EnvelopeKind = EnvelopeKind.Send, callId = 0): Envelope => ({
  kind,
  source,
  target,
  type: String(body.type ?? "echo"),
  body,
  callId,
});

/** Bodies covering every branch of the in-place writer, and some that fall back to msgpackr. */
const bodies: Array<Record<string, unknown>> = [
  { type: "echo" },
  { type: "echo", text: "x".repeat(128) },
  { type: "echo", short: "é€😀", long: "é€😀 ".repeat(40), lone: "\ud800x", loneLong: "\ud800".repeat(70) },
  { type: "echo", s31: "a".repeat(31), s32: "a".repeat(32), s255: "a".repeat(255), s256: "a".repeat(256), s65536: "a".repeat(65536) },
  { type: "echo", n: [0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 47 + 3, -1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1] },
  { type: "echo", f: [0.5, -0.5, Number.NaN, Number.POSITIVE_INFINITY, -0, 1e300, Number.MAX_SAFE_INTEGER] },
  { type: "echo", b: true, c: false, d: null, e: undefined, nested: { a: [{ b: [[]] }, {}], "": 1, __proto__x: 2 } },
  { type: "echo", wide: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i])), long: Array.from({ length: 70_000 }, (_, i) => i % 3) },
  { type: "echo", widest: Object.fromEntries(Array.from({ length: 70_000 }, (_, i) => [`${i % 2 ? "k" : ""}${i}`, i % 3])) },
  { type: "echo", map: new Map([["a", 1]]), date: new Date(0), bytes: new Uint8Array([1, 2, 3]) },
  { type: "echo", deep: JSON.parse(`${"[".repeat(100)}1${"]".repeat(100)}`) },
];

test("outbound queue: frames are byte for byte what msgpackr encodes", () => {
  const queue = new OutboundQueue(1 << 20);
  for (const [i, body] of bodies.entries()) {
    for (const [kind, callId] of [
      [EnvelopeKind.Send, 0],
      [EnvelopeKind.Call, 7 + i],
      [EnvelopeKind.Reply, 2 ** 40 + i],
    ] as const) {
      const envelope = send(body, kind, callId);
      const bytes = queue.encode(envelope);
      queue.commit(envelope);
      const expected = encodeEnvelopeFrame(envelope, 1 << 20);
      assert.equal(bytes, expected.length);
      assert.deepEqual(queue.take(), expected, `body ${i}, kind ${kind}`);
    }
  }
  assert.equal(queue.messages, 0);
  assert.equal(queue.bytes, 0);
});

test("outbound queue: frames written across slabs come out whole and in order", () => {
  const queue = new OutboundQueue(1 << 20);
  const expected: Buffer[] = [];
  let calls = 0;
  for (let i = 0; i < 20_000; i++) {
    // names and types change now and then (the header cache), with frames crossing slab ends anywhere
    const type = i % 7 === 0 ? `t${"é".repeat(i % 40)}` : "echo";
    const base = send({ type, i, text: "y".repeat(i % 300) }, i % 5 === 0 ? EnvelopeKind.Call : EnvelopeKind.Send, i % 5 === 0 ? i + 1 : 0);
    const envelope = i % 11 === 0 ? { ...base, target: { node: "server", service: "s".repeat(i % 128) || "s" } } : base;
    if (envelope.kind === EnvelopeKind.Call) calls++;
    queue.encode(envelope);
    queue.commit(envelope);
    expected.push(encodeEnvelopeFrame(envelope, 1 << 20));
    if (i === 10_000) {
      // a flush in the middle: later frames go after the written ones in the same slab
      const chunks: Buffer[] = [];
      for (let chunk = queue.take(); chunk; chunk = queue.take()) chunks.push(chunk);
      assert.deepEqual(Buffer.concat(chunks), Buffer.concat(expected.splice(0)));
      calls = 0;
    }
  }
  assert.equal(queue.messages, expected.length);
  assert.equal(queue.bytes, Buffer.concat(expected).length);
  const chunks: Buffer[] = [];
  for (let chunk = queue.take(); chunk; chunk = queue.take()) chunks.push(chunk);
  assert.ok(chunks.length > 1, "the frames filled several slabs");
  assert.ok(chunks.every((c) => c.length <= 256 * 1024));
  assert.deepEqual(Buffer.concat(chunks), Buffer.concat(expected));
  assert.equal(queue.clear().calls.length, 0);
  assert.ok(calls > 0);
});

test("outbound queue: an encoded frame that is not committed leaves no trace", () => {
  const queue = new OutboundQueue(1 << 20);
  const kept = send({ type: "echo", n: 1 }, EnvelopeKind.Call, 1);
  queue.encode(kept);
  queue.commit(kept);
  queue.encode(send({ type: "echo", n: 2 }, EnvelopeKind.Call, 2)); // refused by the link
  queue.encode(send({ type: "echo", text: "z".repeat(40_000) })); // refused, after moving to a new slab
  const { calls, messages } = queue.clear();
  assert.deepEqual(calls, [kept]);
  assert.equal(messages, 1);
  assert.equal(queue.take(), undefined);
});

test("outbound queue: an oversized or unencodable message is a MessageError and leaves the queue as it was", () => {
  const queue = new OutboundQueue(1024);
  const kept = send({ type: "echo" });
  queue.encode(kept);
  queue.commit(kept);
  assert.throws(() => queue.encode(send({ type: "echo", text: "x".repeat(2000) })), MessageError);
  assert.throws(() => queue.encode(send({ type: "echo", text: "x".repeat(10_000_000) })), /over the frame limit/);
  assert.throws(() => queue.encode(send({ type: "echo", many: Array.from({ length: 5000 }, () => 1) })), /over the frame limit/);
  assert.throws(() => queue.encode(send({ type: "echo", big: 10n ** 30n })), /cannot be encoded/);
  assert.equal(queue.messages, 1);
  assert.deepEqual(queue.take(), encodeEnvelopeFrame(kept, 1024));
});

test("outbound queue: a message sent from a getter while another is being encoded is refused, not interleaved", () => {
  const queue = new OutboundQueue(1 << 20);
  let inner: unknown;
  const body = {
    type: "echo",
    get sneaky() {
      try {
        queue.encode(send({ type: "echo", text: "inner" }));
      } catch (error) {
        inner = error;
      }
      return 1;
    },
  };
  const outer = send(body);
  queue.encode(outer);
  queue.commit(outer);
  assert.ok(inner instanceof MessageError);
  assert.deepEqual(queue.take(), encodeEnvelopeFrame(send({ type: "echo", sneaky: 1 }), 1 << 20));
});
