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
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

const FRAME_TYPE_MAX = FrameType.Ping;

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

  constructor(private readonly bytesMax: number) {}

  /** Bytes buffered that do not yet form a whole frame. */
  get bufferedBytes(): number {
    return this.chunkBytes;
  }

  /**
   * Appends `chunk` and calls `onFrame` for every whole frame, in order. Throws FrameError on
   * an invalid length or type; frames before the bad one have been handed out already.
   */
  push(chunk: Buffer, onFrame: (frame: Frame) => void): void {
    let data = chunk;
    if (this.chunkBytes > 0) {
      this.chunks.push(chunk);
      this.chunkBytes += chunk.length;
      if (this.chunkBytes < this.neededBytes) return;
      data = Buffer.concat(this.chunks, this.chunkBytes);
      this.chunks = [];
      this.chunkBytes = 0;
    }
    let offset = 0;
    while (data.length - offset >= FRAME_HEADER_BYTES) {
      const length = data.readUInt32BE(offset);
      if (length === 0) throw new FrameError("empty frame");
      if (length > this.bytesMax) throw new FrameError(`frame of ${length} bytes exceeds the limit of ${this.bytesMax}`);
      if (data.length - offset - FRAME_HEADER_BYTES < length) {
        this.neededBytes = FRAME_HEADER_BYTES + length;
        break;
      }
      const start = offset + FRAME_HEADER_BYTES;
      const type = data[start]!;
      if (type < FrameType.Hello || type > FRAME_TYPE_MAX) throw new FrameError(`unknown frame type ${type}`);
      offset = start + length;
      onFrame({ type: type as FrameType, body: data.subarray(start + 1, offset) });
    }
    if (offset < data.length) {
      if (data.length - offset < FRAME_HEADER_BYTES) this.neededBytes = FRAME_HEADER_BYTES;
      // copy the tail, so that the large chunk it came from can be collected
      const tail = Buffer.from(data.subarray(offset));
      this.chunks = [tail];
      this.chunkBytes = tail.length;
    }
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
