/**
 * Frame bodies: msgpack (msgpackr, plain maps, no shared record structures, so that every frame
 * decodes on its own). An envelope travels as an 8-element array rather than a map: smaller and
 * faster, and a fixed shape is easy to validate. Everything decoded from the wire is checked
 * here; a body that fails a check is a `FrameError`, which closes the connection.
 */
import { type Envelope, EnvelopeKind, MessageError } from "@skein/core";
import { Packr, Unpackr } from "msgpackr";
import { FRAME_HEADER_BYTES, FrameError, FrameType, writeFrameHeader } from "./frame.ts";

const packr = new Packr({ useRecords: false, variableMapSize: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: "number" });

/** Node ids and service names on the wire: what the simulator accepts, and no longer. */
const NAME_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
/** Longest message type accepted from the wire. */
const TYPE_CHARS_MAX = 256;

/** Encodes any value as msgpack (a fresh buffer the caller may keep). */
export function pack(value: unknown): Buffer {
  return Buffer.from(packr.pack(value));
}

/** `value` as msgpack in one whole frame of `type` (one copy of the encoding). */
export function packFrame(type: FrameType, value: unknown): Buffer {
  const body = packr.pack(value);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + 1 + body.length);
  writeFrameHeader(frame, 0, type, body.length);
  frame.set(body, FRAME_HEADER_BYTES + 1);
  return frame;
}

/** Decodes msgpack; any decoder error becomes a FrameError. */
export function unpack(body: Uint8Array): unknown {
  try {
    return unpackr.unpack(body);
  } catch (error) {
    throw new FrameError(`undecodable body: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Encodes an envelope as a whole frame. Throws MessageError if the body cannot be encoded or
 * the frame would exceed `bytesMax`.
 */
export function encodeEnvelopeFrame(envelope: Envelope, bytesMax: number): Buffer {
  const { kind, source, target, type, body, callId } = envelope;
  let encoded: Uint8Array;
  try {
    encoded = packr.pack([kind, source.node, source.service, target.node, target.service, type, callId, body]);
  } catch (error) {
    throw new MessageError(`message ${type} cannot be encoded: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (encoded.length + 1 > bytesMax) throw new MessageError(`message ${type} is ${encoded.length} bytes encoded, over the frame limit of ${bytesMax}`);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + 1 + encoded.length);
  writeFrameHeader(frame, 0, FrameType.Envelope, encoded.length);
  frame.set(encoded, FRAME_HEADER_BYTES + 1);
  return frame;
}

/** Names already validated (node ids and service names repeat on every frame); bounded. */
const knownNames = new Set<string>();
const KNOWN_NAMES_MAX = 10_000;

function name(value: unknown, what: string): string {
  if (typeof value !== "string") throw new FrameError(`bad ${what}`);
  if (knownNames.has(value)) return value;
  if (!NAME_PATTERN.test(value)) throw new FrameError(`bad ${what}`);
  if (knownNames.size < KNOWN_NAMES_MAX) knownNames.add(value);
  return value;
}

/** Decodes and validates an envelope frame body. */
export function decodeEnvelope(body: Uint8Array): Envelope {
  const value = unpack(body);
  if (!Array.isArray(value) || value.length !== 8) throw new FrameError("envelope is not an 8-element array");
  const [kind, sourceNode, sourceService, targetNode, targetService, type, callId, message] = value as unknown[];
  if (kind !== EnvelopeKind.Send && kind !== EnvelopeKind.Call && kind !== EnvelopeKind.Reply && kind !== EnvelopeKind.Failure) {
    throw new FrameError("bad envelope kind");
  }
  if (typeof type !== "string" || type.length === 0 || type.length > TYPE_CHARS_MAX) throw new FrameError("bad message type");
  if (typeof callId !== "number" || !Number.isSafeInteger(callId) || callId < 0) throw new FrameError("bad call id");
  if (kind !== EnvelopeKind.Send && callId === 0) throw new FrameError("call id missing");
  checkBody(kind, type, message);
  return {
    kind,
    source: { node: name(sourceNode, "source node"), service: name(sourceService, "source service") },
    target: { node: name(targetNode, "target node"), service: name(targetService, "target service") },
    type,
    body: message,
    callId,
  };
}

function checkBody(kind: EnvelopeKind, type: string, body: unknown): void {
  if (kind === EnvelopeKind.Send || kind === EnvelopeKind.Call) {
    if (typeof body !== "object" || body === null || Array.isArray(body) || (body as { type?: unknown }).type !== type) {
      throw new FrameError("message body must be an object whose type matches the envelope");
    }
  } else if (kind === EnvelopeKind.Failure) {
    const failure = body as { name?: unknown; message?: unknown } | null;
    if (typeof failure !== "object" || failure === null || typeof failure.name !== "string" || typeof failure.message !== "string") {
      throw new FrameError("failure body must be { name, message }");
    }
  }
}

/** Handshake step 1 (connector → acceptor) and step 2 (acceptor → connector, with `proof`). */
export interface HelloBody {
  /** The protocol: "skein" for nodes, "skein-flow" for flow's master and workers. */
  readonly magic: string;
  readonly version: number;
  /** The sender's node id. */
  readonly node: string;
  /** Step 1 only: the node the connector expects to reach. */
  readonly target?: string;
  /** 16 fresh random bytes: the challenge for the other side. */
  readonly nonce: Uint8Array;
  /**
   * 8 random bytes drawn when the sender's node started: a restarted process has new ones, so
   * a connection from it is told apart from a second connection of the same process.
   */
  readonly incarnation: Uint8Array;
  /** Step 2 only: the acceptor's answer to the connector's nonce. */
  readonly proof?: Uint8Array;
  /** What the sender declares about itself (a map; the protocol reads it). */
  readonly info?: Record<string, unknown>;
}

function bytes(value: unknown, length: number, what: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== length) throw new FrameError(`bad ${what}`);
  return value;
}

/**
 * Decodes a Hello; a wrong magic (another protocol: names both) or version (names both) is a
 * FrameError.
 */
export function decodeHello(body: Uint8Array, version: number, magic = "skein"): HelloBody {
  const value = unpack(body) as Partial<Record<keyof HelloBody, unknown>> | null;
  if (typeof value !== "object" || value === null) throw new FrameError(`not a ${magic} hello`);
  if (value.magic !== magic) throw new FrameError(typeof value.magic === "string" ? `the peer speaks ${value.magic.slice(0, 40)}, not ${magic}` : `not a ${magic} hello`);
  if (value.version !== version) throw new FrameError(`wire version ${String(value.version)} is not ours (${version})`);
  const info = value.info;
  if (info !== undefined && (typeof info !== "object" || info === null || Array.isArray(info))) throw new FrameError("bad hello info");
  return {
    magic,
    version,
    node: name(value.node, "hello node"),
    target: value.target === undefined ? undefined : name(value.target, "hello target"),
    nonce: bytes(value.nonce, 16, "nonce"),
    incarnation: bytes(value.incarnation, 8, "incarnation"),
    proof: value.proof === undefined ? undefined : bytes(value.proof, 32, "proof"),
    info: info as Record<string, unknown> | undefined,
  };
}

/** Decodes an Auth body: `{ proof }`. */
export function decodeAuth(body: Uint8Array): Uint8Array {
  const value = unpack(body) as { proof?: unknown } | null;
  if (typeof value !== "object" || value === null) throw new FrameError("bad auth");
  return bytes(value.proof, 32, "proof");
}

/** Decodes a Refuse body: `{ reason }`, the reason cut to 200 characters. */
export function decodeRefuse(body: Uint8Array): string {
  const value = unpack(body) as { reason?: unknown } | null;
  const reason = typeof value === "object" && value !== null ? value.reason : undefined;
  return typeof reason === "string" ? reason.slice(0, 200) : "no reason given";
}
