/**
 * The fast path of envelope decoding: reads an envelope frame in place, straight from the
 * socket's buffer, with the same checks as `decodeEnvelope`. It understands the msgpack that
 * senders write (plain maps with string keys, arrays, strings, numbers up to 32-bit integers and
 * doubles, booleans, nil, msgpackr's undefined) and returns undefined for anything else —
 * another encoding, a value it does not read, or a check that fails — after which the caller
 * decodes the frame with msgpackr and `decodeEnvelope`, which accepts and rejects exactly as
 * before and names the reason. So this file may only ever be stricter than the slow path,
 * never looser; it never throws.
 *
 * Names repeat on every frame of a connection, so the bytes from the source node to the type
 * are first compared with the last frame's and, when equal, its checked names, type and
 * (frozen) source and target addresses are reused without decoding anything. Otherwise each
 * of the five names is compared with the last one seen in its place, and only a new one is
 * decoded and validated. Object keys go through a small cache of the same kind.
 */
import { type Address, type Envelope, EnvelopeKind } from "@skein/core";

/** Longest message type accepted from the wire (as in `codec.ts`). */
const TYPE_CHARS_MAX = 256;
/** Longest node or service name (as `NAME_PATTERN` in `codec.ts`). */
const NAME_BYTES_MAX = 128;
/** Nesting deeper than this goes to the slow path. */
const DEPTH_MAX = 64;
/** Strings shorter than this are decoded in JS; longer ones natively. */
const JS_STRING_BYTES_MAX = 24;

/** Bytes allowed in a node or service name: [A-Za-z0-9_.:-]. */
const NAME_BYTE = new Uint8Array(256);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-") NAME_BYTE[c.charCodeAt(0)] = 1;

/** Returned by the value reader when it cannot read a value (never a decoded value). */
const UNREADABLE: unique symbol = Symbol("unreadable");

/** Node's string decoders without `toString`'s argument handling (msgpackr uses them too). */
interface NativeBuffer extends Buffer {
  utf8Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
}

const EMPTY = Buffer.alloc(0) as NativeBuffer;

/** Object keys up to this many bytes are looked up in the key cache. */
const KEY_CACHE_BYTES_MAX = 16;
/** Entries in the key cache (a power of two). */
const KEY_CACHE_SIZE = 1024;

/** The last name seen in one place of the envelope: its bytes and its string. */
class NameSlot {
  bytes = new Uint8Array(0);
  value = "";

  /** The string for data[start, end) if it is the last one seen here. */
  match(data: Buffer, start: number, end: number): string | undefined {
    const bytes = this.bytes;
    if (bytes.length !== end - start) return undefined;
    for (let i = 0; i < bytes.length; i++) if (bytes[i] !== data[start + i]) return undefined;
    return this.value;
  }

  remember(data: Buffer, start: number, end: number, value: string): string {
    this.bytes = Uint8Array.prototype.slice.call(data, start, end);
    this.value = value;
    return value;
  }
}

/** An envelope's names and type, as they were on the wire and as they were decoded. */
interface Header {
  readonly bytes: Uint8Array;
  readonly source: Address;
  readonly target: Address;
  readonly type: string;
}

/** Reads one frame at a time; keeps the last names and addresses seen (one reader per connection). */
export class EnvelopeReader {
  private data: NativeBuffer = EMPTY;
  private position = 0;
  private end = 0;
  private readonly names = [new NameSlot(), new NameSlot(), new NameSlot(), new NameSlot(), new NameSlot()];
  /** The last frame's names and type (the bytes from the source node to the type), decoded and checked. */
  private last: Header = { bytes: new Uint8Array(0), source: Object.freeze({ node: "", service: "" }), target: Object.freeze({ node: "", service: "" }), type: "" };

  /** Object keys seen recently, by length and first bytes (keys repeat from message to message). */
  private readonly keys = new Array<NameSlot | undefined>(KEY_CACHE_SIZE);

  /** The envelope in data[start, end) (a frame body after its type byte), or undefined to take the slow path. */
  read(data: Buffer, start: number, end: number): Envelope | undefined {
    const envelope = this.readIn(data, start, end);
    this.data = EMPTY; // do not keep the socket's chunk alive
    return envelope;
  }

  private readIn(data: Buffer, start: number, end: number): Envelope | undefined {
    if (end - start < 8 || data[start] !== 0x98) return undefined;
    const kind = data[start + 1]! as EnvelopeKind;
    if (kind > EnvelopeKind.Failure) return undefined;
    this.data = data as NativeBuffer;
    this.position = start + 2;
    this.end = end;
    const header = this.header();
    if (header === undefined) return undefined;
    const callId = this.callId();
    if (callId < 0 || (kind !== EnvelopeKind.Send && callId === 0)) return undefined;
    const body = this.value(0);
    if (body === UNREADABLE || this.position !== end || !bodyFits(kind, header.type, body)) return undefined;
    return { kind, source: header.source, target: header.target, type: header.type, body, callId } as Envelope;
  }

  /** The names and type at `position`: the last frame's if the bytes are the same (the usual case). */
  private header(): Header | undefined {
    const data = this.data;
    const start = this.position;
    const last = this.last;
    const bytes = last.bytes;
    if (bytes.length > 0 && start + bytes.length <= this.end) {
      let i = 0;
      while (i < bytes.length && data[start + i] === bytes[i]) i++;
      if (i === bytes.length) {
        this.position = start + bytes.length;
        return last;
      }
    }
    const sourceNode = this.name(0);
    const sourceService = this.name(1);
    const targetNode = this.name(2);
    const targetService = this.name(3);
    const type = this.type();
    if (sourceNode === undefined || sourceService === undefined || targetNode === undefined || targetService === undefined || type === undefined) return undefined;
    let { source, target } = last;
    if (source.node !== sourceNode || source.service !== sourceService) source = Object.freeze({ node: sourceNode, service: sourceService });
    if (target.node !== targetNode || target.service !== targetService) target = Object.freeze({ node: targetNode, service: targetService });
    this.last = { bytes: Uint8Array.prototype.slice.call(data, start, this.position), source, target, type };
    return this.last;
  }

  /** The byte range of a fixstr or str8 at `position` (advancing past it), or -1. */
  private stringBytes(): number {
    const data = this.data;
    const token = data[this.position]!;
    let length: number;
    if (token >= 0xa0 && token <= 0xbf) {
      length = token - 0xa0;
      this.position += 1;
    } else if (token === 0xd9 && this.position + 1 < this.end) {
      length = data[this.position + 1]!;
      this.position += 2;
    } else return -1;
    if (this.position + length > this.end) return -1;
    return length;
  }

  private name(slot: number): string | undefined {
    const length = this.stringBytes();
    if (length < 1 || length > NAME_BYTES_MAX) return undefined;
    const start = this.position;
    const end = start + length;
    this.position = end;
    const known = this.names[slot]!.match(this.data, start, end);
    if (known !== undefined) return known;
    for (let i = start; i < end; i++) if (NAME_BYTE[this.data[i]!] === 0) return undefined;
    return this.names[slot]!.remember(this.data, start, end, this.data.latin1Slice(start, end));
  }

  private type(): string | undefined {
    const length = this.stringBytes();
    if (length < 1) return undefined;
    const start = this.position;
    const end = start + length;
    this.position = end;
    const slot = this.names[4]!;
    const known = slot.match(this.data, start, end);
    if (known !== undefined) return known;
    const type = this.data.utf8Slice(start, end);
    if (type.length > TYPE_CHARS_MAX) return undefined;
    return slot.remember(this.data, start, end, type);
  }

  /** A call id: a non-negative integer below 2³² or a double holding a safe integer; -1 otherwise. */
  private callId(): number {
    const value = this.position < this.end ? this.number(this.data[this.position++]!) : undefined;
    return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : -1;
  }

  /** The number that `token` starts (reading what follows it), or undefined if it is not one we read. */
  private number(token: number): number | undefined {
    const data = this.data;
    const at = this.position;
    if (token < 0x80) return token;
    if (token >= 0xe0) return token - 0x100;
    let bytes: number;
    let value: number;
    switch (token) {
      case 0xcc:
        bytes = 1;
        value = data[at]!;
        break;
      case 0xcd:
        bytes = 2;
        value = (data[at]! << 8) | data[at + 1]!;
        break;
      case 0xce:
        bytes = 4;
        if (at + 4 > this.end) return undefined;
        value = data.readUInt32BE(at);
        break;
      case 0xd0:
        bytes = 1;
        value = (data[at]! << 24) >> 24;
        break;
      case 0xd1:
        bytes = 2;
        value = (((data[at]! << 8) | data[at + 1]!) << 16) >> 16;
        break;
      case 0xd2:
        bytes = 4;
        if (at + 4 > this.end) return undefined;
        value = data.readInt32BE(at);
        break;
      case 0xca:
        bytes = 4;
        if (at + 4 > this.end) return undefined;
        value = data.readFloatBE(at);
        break;
      case 0xcb:
        bytes = 8;
        if (at + 8 > this.end) return undefined;
        value = data.readDoubleBE(at);
        break;
      default:
        return undefined;
    }
    if (at + bytes > this.end) return undefined;
    this.position = at + bytes;
    return value;
  }

  /** Reads any value we understand at `position`, or UNREADABLE. */
  private value(depth: number): unknown {
    if (this.position >= this.end) return UNREADABLE;
    const data = this.data;
    const token = data[this.position++]!;
    if (token < 0x80) return token;
    if (token <= 0x8f) return this.map(token - 0x80, depth);
    if (token <= 0x9f) return this.array(token - 0x90, depth);
    if (token <= 0xbf) return this.string(token - 0xa0);
    if (token >= 0xe0) return token - 0x100;
    switch (token) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xd9:
        return this.position < this.end ? this.string(data[this.position++]!) : UNREADABLE;
      case 0xda:
        return this.position + 2 <= this.end ? this.string(this.length(2)) : UNREADABLE;
      case 0xdb:
        return this.position + 4 <= this.end ? this.string(this.length(4)) : UNREADABLE;
      case 0xdc:
        return this.position + 2 <= this.end ? this.array(this.length(2), depth) : UNREADABLE;
      case 0xdd:
        return this.position + 4 <= this.end ? this.array(this.length(4), depth) : UNREADABLE;
      case 0xde:
        return this.position + 2 <= this.end ? this.map(this.length(2), depth) : UNREADABLE;
      case 0xdf:
        return this.position + 4 <= this.end ? this.map(this.length(4), depth) : UNREADABLE;
      case 0xd4: // msgpackr's undefined: fixext 1 of type 0
        if (this.position + 2 > this.end || data[this.position] !== 0) return UNREADABLE;
        this.position += 2;
        return undefined;
      default:
        return this.number(token) ?? UNREADABLE;
    }
  }

  /** A big-endian length of 2 or 4 bytes at `position` (bounds checked by the caller). */
  private length(bytes: 2 | 4): number {
    const at = this.position;
    this.position += bytes;
    return bytes === 2 ? (this.data[at]! << 8) | this.data[at + 1]! : this.data.readUInt32BE(at);
  }

  private string(length: number): string | typeof UNREADABLE {
    const start = this.position;
    const end = start + length;
    if (end > this.end) return UNREADABLE;
    this.position = end;
    const data = this.data;
    if (length < JS_STRING_BYTES_MAX) {
      let ascii = "";
      for (let i = start; i < end; i++) {
        const byte = data[i]!;
        if (byte >= 0x80) return data.utf8Slice(start, end);
        ascii += String.fromCharCode(byte);
      }
      return ascii;
    }
    return data.utf8Slice(start, end);
  }

  private array(length: number, depth: number): unknown[] | typeof UNREADABLE {
    if (depth >= DEPTH_MAX || length > this.end - this.position) return UNREADABLE;
    const array = new Array<unknown>(length);
    for (let i = 0; i < length; i++) {
      const value = this.value(depth + 1);
      if (value === UNREADABLE) return UNREADABLE;
      array[i] = value;
    }
    return array;
  }

  /** A map with string keys, as a plain object; `__proto__` becomes `__proto_`, as msgpackr does. */
  private map(length: number, depth: number): Record<string, unknown> | typeof UNREADABLE {
    if (depth >= DEPTH_MAX || 2 * length > this.end - this.position) return UNREADABLE;
    const object: Record<string, unknown> = {};
    for (let i = 0; i < length; i++) {
      const keyBytes = this.stringBytes();
      if (keyBytes < 0) return UNREADABLE;
      let key = keyBytes <= KEY_CACHE_BYTES_MAX ? this.key(keyBytes) : this.string(keyBytes);
      if (key === UNREADABLE) return UNREADABLE;
      if (key === "__proto__") key = "__proto_";
      const value = this.value(depth + 1);
      if (value === UNREADABLE) return UNREADABLE;
      object[key] = value;
    }
    return object;
  }

  /** A short object key (bounds checked by `stringBytes`), from the key cache when it is there. */
  private key(length: number): string | typeof UNREADABLE {
    const data = this.data;
    const start = this.position;
    const end = start + length;
    const index = ((length << 5) ^ (length > 1 ? (data[start]! << 8) | data[start + 1]! : length > 0 ? data[start]! : 0)) & (KEY_CACHE_SIZE - 1);
    const entry = this.keys[index];
    if (entry !== undefined) {
      const known = entry.match(data, start, end);
      if (known !== undefined) {
        this.position = end;
        return known;
      }
    }
    const key = this.string(length);
    if (key === UNREADABLE) return UNREADABLE;
    (this.keys[index] ??= new NameSlot()).remember(data, start, end, key);
    return key;
  }
}

/** The body checks of `decodeEnvelope`, as a predicate. */
function bodyFits(kind: EnvelopeKind, type: string, body: unknown): boolean {
  if (kind === EnvelopeKind.Send || kind === EnvelopeKind.Call) {
    return typeof body === "object" && body !== null && !Array.isArray(body) && (body as { type?: unknown }).type === type;
  }
  if (kind === EnvelopeKind.Failure) {
    const failure = body as { name?: unknown; message?: unknown } | null;
    return typeof failure === "object" && failure !== null && typeof failure.name === "string" && typeof failure.message === "string";
  }
  return true;
}
