import assert from "node:assert/strict";
import { test } from "node:test";
import { type Envelope, EnvelopeKind } from "@skein/core";
import { decodeEnvelope, encodeEnvelopeFrame, pack } from "./codec.ts";
import { EnvelopeReader } from "./envelope-reader.ts";
import { encodeFrame, FRAME_HEADER_BYTES, FrameType } from "./frame.ts";

const source = { node: "client", service: "probe" };
const target = { node: "server", service: "echo" };

const bodies: unknown[] = [
  { type: "echo" },
  { type: "echo", text: "x".repeat(128) },
  { type: "echo", short: "é€😀", long: "é€😀 ".repeat(40), s31: "a".repeat(31), s255: "a".repeat(255), s256: "a".repeat(256), s70k: "b".repeat(70_000) },
  { type: "echo", n: [0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 47 + 3, -1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1] },
  { type: "echo", f: [0.5, -0.5, Number.NaN, Number.POSITIVE_INFINITY, -0, 1e300] },
  { type: "echo", b: true, c: false, d: null, e: undefined, nested: { a: [{ b: [[]] }, {}], "": 1 } },
  { type: "echo", wide: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`key-${i}`, i])), long: Array.from({ length: 70_000 }, (_, i) => i % 3) },
  { type: "echo", map: new Map([["a", 1]]), date: new Date(0), bytes: new Uint8Array([1, 2, 3]) },
  { type: "echo", deep: JSON.parse(`${"[".repeat(100)}1${"]".repeat(100)}`) },
  JSON.parse('{"type":"echo","__proto__":{"polluted":true}}'),
];

/** What the slow path makes of a frame body, or the error it throws. */
function slow(body: Buffer): Envelope | Error {
  try {
    return decodeEnvelope(body);
  } catch (error) {
    return error as Error;
  }
}

test("envelope reader: reads what msgpackr reads, for every kind of envelope", () => {
  const reader = new EnvelopeReader();
  let fast = 0;
  for (const body of bodies) {
    for (const [kind, callId] of [
      [EnvelopeKind.Send, 0],
      [EnvelopeKind.Call, 7],
      [EnvelopeKind.Reply, 2 ** 40],
    ] as const) {
      const frame = encodeEnvelopeFrame({ kind, source, target, type: "echo", body, callId }, 1 << 20);
      const got = reader.read(frame, FRAME_HEADER_BYTES + 1, frame.length);
      if (got) fast++;
      if (got) assert.deepStrictEqual(got, slow(frame.subarray(FRAME_HEADER_BYTES + 1)));
    }
  }
  assert.ok(fast >= 20, `only ${fast} envelopes took the fast path`);
  const failure = encodeEnvelopeFrame({ kind: EnvelopeKind.Failure, source, target, type: "echo", body: { name: "Error", message: "no" }, callId: 3 }, 1 << 20);
  assert.deepStrictEqual(reader.read(failure, 5, failure.length), slow(failure.subarray(5)));
});

test("envelope reader: repeated names and addresses are reused, and a change is noticed", () => {
  const reader = new EnvelopeReader();
  const read = (e: Envelope) => {
    const frame = encodeEnvelopeFrame(e, 1 << 20);
    return reader.read(frame, 5, frame.length)!;
  };
  const first = read({ kind: EnvelopeKind.Send, source, target, type: "echo", body: { type: "echo" }, callId: 0 });
  const second = read({ kind: EnvelopeKind.Send, source, target, type: "echo", body: { type: "echo" }, callId: 0 });
  assert.equal(first.source, second.source);
  assert.ok(Object.isFrozen(first.source));
  const other = read({ kind: EnvelopeKind.Send, source: { node: "client", service: "probf" }, target, type: "ecio", body: { type: "ecio" }, callId: 0 });
  assert.deepEqual(other.source, { node: "client", service: "probf" });
  assert.equal(other.type, "ecio");
  const bad = encodeEnvelopeFrame({ kind: EnvelopeKind.Send, source: { node: "client", service: "pr be" }, target, type: "echo", body: { type: "echo" }, callId: 0 }, 1 << 20);
  assert.equal(reader.read(bad, 5, bad.length), undefined);
  assert.match(String(slow(bad.subarray(5))), /bad source service/);
});

/** xorshift32, so the cases depend on the seed alone. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return (n: number) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return Math.floor((s / 4294967296) * n);
  };
}

test("envelope reader: on 200 000 mutated frames it never throws and never accepts what the slow path rejects", () => {
  const random = rng(7);
  const valid = [
    ...bodies.slice(0, 6).map((body, i) => encodeEnvelopeFrame({ kind: (i % 3) as EnvelopeKind, source, target, type: "echo", body, callId: i % 3 === 0 ? 0 : i }, 1 << 20)),
    encodeEnvelopeFrame({ kind: EnvelopeKind.Failure, source, target, type: "echo", body: { name: "Error", message: "no" }, callId: 3 }, 1 << 20),
    encodeFrame(FrameType.Envelope, pack([1, "client", "probe", "server", "echo", "echo", 5, { type: "echo", x: [1, { y: "z" }] }])),
  ].filter((f) => f.length < 600);
  const reader = new EnvelopeReader();
  let accepted = 0;
  for (let i = 0; i < 200_000; i++) {
    const frame = Buffer.from(valid[random(valid.length)]!);
    for (let flips = 1 + random(3); flips > 0; flips--) frame[FRAME_HEADER_BYTES + 1 + random(frame.length - FRAME_HEADER_BYTES - 1)] = random(256);
    const end = random(4) === 0 ? FRAME_HEADER_BYTES + 1 + random(frame.length - FRAME_HEADER_BYTES) : frame.length;
    const got = reader.read(frame, FRAME_HEADER_BYTES + 1, end);
    if (!got) continue;
    accepted++;
    const expected = slow(frame.subarray(FRAME_HEADER_BYTES + 1, end));
    assert.ok(!(expected instanceof Error), `the fast path accepted what the slow path rejects: ${String(expected)} (${frame.subarray(0, end).toString("hex")})`);
    assert.deepStrictEqual(got, expected, frame.subarray(0, end).toString("hex"));
  }
  assert.ok(accepted > 1000, `only ${accepted} mutated frames were still valid`);
});
