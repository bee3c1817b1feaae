/**
 * A msgpack encoder that writes straight into a caller-owned buffer, for the values messages are
 * made of: plain objects, arrays, strings, numbers, booleans, null and undefined. It produces
 * the same bytes msgpackr does with our options (`useRecords: false`, `variableMapSize`), so a
 * peer decodes them with msgpackr unchanged. Anything else (Map, Date, typed arrays, class
 * instances, bigint, very deep nesting) makes `writeValue` return false, and the caller encodes
 * that value with msgpackr instead: one code path for the common case, the library for the rest.
 *
 * Why not msgpackr alone: `pack` returns a fresh view that must be copied into the frame, and
 * its per-call setup dominated the sender's profile for small messages. Encoding in place into
 * the link's outbound buffer leaves one copy in the whole send path (the kernel's).
 */

const hasOwn = Object.prototype.hasOwnProperty;

/** Nesting deeper than this goes to msgpackr (which has its own limits). */
const DEPTH_MAX = 64;
/** Strings at least this long are encoded by Node's native `utf8Write`; shorter ones in JS. */
const NATIVE_STRING_CHARS_MIN = 64;

/** Node's string encoder without `write`'s argument handling (msgpackr uses it too). */
interface NativeBuffer extends Buffer {
  utf8Write(value: string, offset: number): number;
}

export abstract class MsgpackWriter {
  protected buffer: NativeBuffer = Buffer.alloc(0) as NativeBuffer;
  /** Where the next byte goes. */
  protected position = 0;
  /** Start of the bytes being written: `makeRoom` moves `buffer[frameStart, position)` along. */
  protected frameStart = 0;

  /**
   * Makes room for `bytes` more bytes at `position`; may move `buffer[frameStart, position)` to
   * a new buffer, updating `buffer`, `frameStart` and `position`.
   */
  protected abstract makeRoom(bytes: number): void;

  protected ensure(bytes: number): void {
    if (this.position + bytes > this.buffer.length) this.makeRoom(bytes);
  }

  /** Encodes `value`; returns false (with `position` somewhere past the start) if it is not a plain value. */
  protected writeValue(value: unknown, depth: number): boolean {
    switch (typeof value) {
      case "string":
        this.writeString(value);
        return true;
      case "number":
        this.writeNumber(value);
        return true;
      case "boolean":
        this.ensure(1);
        this.buffer[this.position++] = value ? 0xc3 : 0xc2;
        return true;
      case "undefined": // msgpackr's encoding: fixext 1, type 0
        this.ensure(3);
        this.buffer[this.position++] = 0xd4;
        this.buffer[this.position++] = 0;
        this.buffer[this.position++] = 0;
        return true;
      case "object":
        if (value === null) {
          this.ensure(1);
          this.buffer[this.position++] = 0xc0;
          return true;
        }
        if (depth >= DEPTH_MAX) return false;
        if (value.constructor === Object) return this.writeObject(value as Record<string, unknown>, depth + 1);
        if (value.constructor === Array) return this.writeArray(value as unknown[], depth + 1);
        return false;
      default:
        return false;
    }
  }

  /**
   * A map of the own enumerable string keys, in `Object.keys` order. `for…in` with an own-key
   * check avoids the array `Object.keys` allocates; the entry count is known only at the end, so
   * one byte is reserved for it and, for 16 entries or more, the entries are moved to make room.
   */
  private writeObject(object: Record<string, unknown>, depth: number): boolean {
    this.ensure(1);
    const headerOffset = this.position - this.frameStart; // `frameStart` follows the bytes if they move
    this.position++;
    let length = 0;
    for (const key in object) {
      if (!hasOwn.call(object, key)) continue;
      this.writeString(key);
      if (!this.writeValue(object[key], depth)) return false;
      length++;
    }
    const header = this.frameStart + headerOffset;
    if (length < 0x10) {
      this.buffer[header] = 0x80 | length;
      return true;
    }
    const extra = length < 0x10000 ? 2 : 4;
    this.ensure(extra);
    const moved = this.frameStart + headerOffset;
    this.buffer.copyWithin(moved + 1 + extra, moved + 1, this.position);
    this.position += extra;
    if (extra === 2) {
      this.buffer[moved] = 0xde;
      this.buffer.writeUInt16BE(length, moved + 1);
    } else {
      this.buffer[moved] = 0xdf;
      this.buffer.writeUInt32BE(length, moved + 1);
    }
    return true;
  }

  private writeArray(array: unknown[], depth: number): boolean {
    const length = array.length;
    this.writeCollectionHeader(length, 0x90, 0xdc);
    for (let i = 0; i < length; i++) if (!this.writeValue(array[i], depth)) return false;
    return true;
  }

  /** fix (< 16), 16-bit or 32-bit length; `sixteen` is the map16/array16 token, +1 the 32-bit one. */
  private writeCollectionHeader(length: number, fix: number, sixteen: number): void {
    this.ensure(5);
    const buffer = this.buffer;
    if (length < 0x10) buffer[this.position++] = fix | length;
    else if (length < 0x10000) {
      buffer[this.position++] = sixteen;
      buffer[this.position++] = length >> 8;
      buffer[this.position++] = length & 0xff;
    } else {
      buffer[this.position++] = sixteen + 1;
      buffer.writeUInt32BE(length, this.position);
      this.position += 4;
    }
  }

  protected writeNumber(value: number): void {
    this.ensure(9);
    const buffer = this.buffer;
    if (value >>> 0 === value) {
      if (value < 0x80) buffer[this.position++] = value;
      else if (value < 0x100) {
        buffer[this.position++] = 0xcc;
        buffer[this.position++] = value;
      } else if (value < 0x10000) {
        buffer[this.position++] = 0xcd;
        buffer[this.position++] = value >> 8;
        buffer[this.position++] = value & 0xff;
      } else {
        buffer[this.position++] = 0xce;
        buffer.writeUInt32BE(value, this.position);
        this.position += 4;
      }
    } else if (value >> 0 === value) {
      if (value >= -0x20) buffer[this.position++] = 0x100 + value;
      else if (value >= -0x80) {
        buffer[this.position++] = 0xd0;
        buffer[this.position++] = value + 0x100;
      } else if (value >= -0x8000) {
        buffer[this.position++] = 0xd1;
        buffer.writeInt16BE(value, this.position);
        this.position += 2;
      } else {
        buffer[this.position++] = 0xd2;
        buffer.writeInt32BE(value, this.position);
        this.position += 4;
      }
    } else {
      buffer[this.position++] = 0xcb;
      buffer.writeDoubleBE(value, this.position);
      this.position += 8;
    }
  }

  /** UTF-8 with the smallest msgpack string header, as msgpackr writes it. */
  protected writeString(value: string): void {
    const chars = value.length;
    const headerBytes = chars < 0x20 ? 1 : chars < 0x100 ? 2 : chars < 0x10000 ? 3 : 5;
    this.ensure(headerBytes + chars * 3);
    const buffer = this.buffer;
    const start = this.position + headerBytes;
    let bytes: number;
    if (chars < NATIVE_STRING_CHARS_MIN) bytes = encodeUtf8(buffer, start, value);
    else bytes = buffer.utf8Write(value, start);
    // the header size was guessed from the character count; move the bytes if it was wrong
    let position = this.position;
    if (bytes < 0x20) {
      if (headerBytes !== 1) buffer.copyWithin(position + 1, start, start + bytes);
      buffer[position++] = 0xa0 | bytes;
    } else if (bytes < 0x100) {
      if (headerBytes !== 2) buffer.copyWithin(position + 2, start, start + bytes);
      buffer[position++] = 0xd9;
      buffer[position++] = bytes;
    } else if (bytes < 0x10000) {
      if (headerBytes !== 3) buffer.copyWithin(position + 3, start, start + bytes);
      buffer[position++] = 0xda;
      buffer[position++] = bytes >> 8;
      buffer[position++] = bytes & 0xff;
    } else {
      if (headerBytes !== 5) buffer.copyWithin(position + 5, start, start + bytes);
      buffer[position++] = 0xdb;
      buffer.writeUInt32BE(bytes, position);
      position += 4;
    }
    this.position = position + bytes;
  }
}

/** UTF-8 of a short string, in JS (cheaper than a native call for a few characters). */
function encodeUtf8(buffer: Buffer, start: number, value: string): number {
  let position = start;
  const chars = value.length;
  for (let i = 0; i < chars; i++) {
    let code = value.charCodeAt(i);
    if (code < 0x80) buffer[position++] = code;
    else if (code < 0x800) {
      buffer[position++] = (code >> 6) | 0xc0;
      buffer[position++] = (code & 0x3f) | 0x80;
    } else {
      const next = value.charCodeAt(i + 1);
      if ((code & 0xfc00) === 0xd800 && (next & 0xfc00) === 0xdc00) {
        code = 0x10000 + ((code & 0x03ff) << 10) + (next & 0x03ff);
        i++;
        buffer[position++] = (code >> 18) | 0xf0;
        buffer[position++] = ((code >> 12) & 0x3f) | 0x80;
      } else buffer[position++] = (code >> 12) | 0xe0;
      buffer[position++] = ((code >> 6) & 0x3f) | 0x80;
      buffer[position++] = (code & 0x3f) | 0x80;
    }
  }
  return position - start;
}
