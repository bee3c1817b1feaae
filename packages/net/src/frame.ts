/**
 * Framing: every frame is a 4-byte big-endian length `L`, then `L` bytes: one byte of frame
 * type and a msgpack body. The decoder is fed raw socket chunks and returns whole frames; it
 * rejects an oversized length *before* buffering the body, so a hostile peer cannot make it
 * allocate more than `bytesMax`. Any error is a `FrameError`, after which the connection is
 * closed: framing cannot be resynchronised once lost, so we do not try.
 */

export const FRAME_HEADER_BYTES = 4;

/** What a frame carries (its first byte after the length). */
export const FrameType = {
  /** Handshake step 1 (connector) and 2 (acceptor, with its proof). */
  Hello: 1,
  /** Handshake step 3: the connector's proof. */
  Auth: 2,
  /** Handshake step 4: the acceptor admits the connection. */
  Welcome: 3,
  /** The acceptor refuses, with a reason, then closes. */
  Refuse: 4,
  /** One envelope. */
  Envelope: 5,
  /** Keepalive; carries nothing. */
  Ping: 6,
  /**
   * A protocol's own message outside the envelope model, after the handshake: flow's master
   * and workers (a msgpack map with a string `type`). A node's connection refuses it.
   */
  Data: 7,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

const FRAME_TYPE_MAX = FrameType.Data;

/** Input that is not a valid frame: the connection it came from must be closed. */
export class FrameError extends Error {
  override readonly name = "FrameError";
}

/** A decoded frame; `body` is a view into the decoder's buffer, valid until the next `push`. */
export interface Frame {
  readonly type: FrameType;
  readonly body: Buffer;
}

/** Splits a byte stream into frames. */
export class FrameDecoder {
  /** Chunks of an incomplete frame, joined once `neededBytes` have arrived (no quadratic copying). */
  private chunks: Buffer[] = [];
  private chunkBytes = 0;
  private neededBytes = 0;

  /** `bytesMax`: the largest frame accepted; a protocol may raise it once the peer is authenticated. */
  constructor(public bytesMax: number) {}

  /** Bytes buffered that do not yet form a whole frame. */
  get bufferedBytes(): number {
    return this.chunkBytes;
  }

  /**
   * Appends `chunk` and calls `onFrame` for every whole frame, in order. Throws FrameError on
   * an invalid length or type; frames before the bad one have been handed out already.
   */
  push(chunk: Buffer, onFrame: (frame: Frame) => void): void {
    this.feed(chunk, (type, data, start, end) => onFrame({ type, body: data.subarray(start, end) }));
  }

  /**
   * `push` without an object per frame: `onFrame` gets the frame's type and where its body is,
   * `data[start, end)`, valid until `onFrame` returns. Whole frames are read in place from the
   * chunk; only a frame split across chunks is joined, from its held part and the first bytes
   * of the next chunk (never the whole chunk), when its last byte arrives.
   */
  feed(chunk: Buffer, onFrame: (type: FrameType, data: Buffer, start: number, end: number) => void): void {
    let offset = 0;
    while (this.chunkBytes > 0) {
      const missing = this.neededBytes - this.chunkBytes;
      if (chunk.length - offset < missing) {
        this.chunks.push(chunk.subarray(offset));
        this.chunkBytes += chunk.length - offset;
        return;
      }
      this.chunks.push(chunk.subarray(offset, offset + missing));
      offset += missing;
      const joined = Buffer.concat(this.chunks, this.neededBytes);
      this.chunks = [];
      this.chunkBytes = 0;
      if (joined.length === FRAME_HEADER_BYTES) this.hold(joined); // a whole header: now wait for the body
      else this.parse(joined, 0, onFrame); // exactly one whole frame
    }
    const rest = this.parse(chunk, offset, onFrame);
    // copy the tail, so that the large chunk it came from can be collected
    if (rest < chunk.length) this.hold(Buffer.from(chunk.subarray(rest)));
  }

  /** Hands out the whole frames in `data` from `offset`; returns where the incomplete rest begins. */
  private parse(data: Buffer, offset: number, onFrame: (type: FrameType, data: Buffer, start: number, end: number) => void): number {
    const length = data.length;
    while (length - offset >= FRAME_HEADER_BYTES) {
      const frameBytes = this.frameLength(data, offset);
      if (length - offset - FRAME_HEADER_BYTES < frameBytes) break;
      const start = offset + FRAME_HEADER_BYTES;
      const type = data[start]!;
      if (type < FrameType.Hello || type > FRAME_TYPE_MAX) throw new FrameError(`unknown frame type ${type}`);
      offset = start + frameBytes;
      onFrame(type as FrameType, data, start + 1, offset);
    }
    return offset;
  }

  /** Keeps the start of an incomplete frame; checks its length as soon as the header is there. */
  private hold(part: Buffer): void {
    this.chunks = [part];
    this.chunkBytes = part.length;
    this.neededBytes = part.length < FRAME_HEADER_BYTES ? FRAME_HEADER_BYTES : FRAME_HEADER_BYTES + this.frameLength(part, 0);
  }

  /** The length field at `offset`, checked against the limit before anything is buffered. */
  private frameLength(data: Buffer, offset: number): number {
    const frameBytes = ((data[offset]! << 24) | (data[offset + 1]! << 16) | (data[offset + 2]! << 8) | data[offset + 3]!) >>> 0;
    if (frameBytes === 0) throw new FrameError("empty frame");
    if (frameBytes > this.bytesMax) throw new FrameError(`frame of ${frameBytes} bytes exceeds the limit of ${this.bytesMax}`);
    return frameBytes;
  }
}

/** Writes a frame header (length, type) into `target` at `offset`; the body follows at offset + 5. */
export function writeFrameHeader(target: Buffer, offset: number, type: FrameType, bodyBytes: number): void {
  target.writeUInt32BE(bodyBytes + 1, offset);
  target[offset + FRAME_HEADER_BYTES] = type;
}

/** One standalone frame (for handshake frames; envelopes are encoded straight into batches). */
export function encodeFrame(type: FrameType, body: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + 1 + body.length);
  writeFrameHeader(frame, 0, type, body.length);
  frame.set(body, FRAME_HEADER_BYTES + 1);
  return frame;
}
