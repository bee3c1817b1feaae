/**
 * The worker wire: each frame is a 4-byte big-endian length, then a 4-byte header length, a
 * JSON header and a binary payload (file bytes). Frames above `frameBytesMax` are refused, so
 * a peer cannot make the other side buffer without bound; files travel in chunks below it.
 *
 * Master → worker: `challenge`, `welcome` (with `heartbeatMs`, `workerTimeoutMs`), `refused`,
 * `file`, `task`, `abort`, `heartbeat`, `bye`. Worker → master: `hello`, `output`, `result`
 * (whose payload carries a task's small outputs, listed in its `inline` field; see
 * `worker-outputs.ts`), `heartbeat`. A heartbeat is a header alone (about 30 bytes), one per `heartbeatMs` each way.
 */

/** Largest frame accepted (header + payload); a peer sending more is disconnected. */
export const frameBytesMax = 8 * 1024 * 1024;
/** Largest JSON header accepted (a task with its command and file lists). */
export const headerBytesMax = 4 * 1024 * 1024;
/**
 * Largest frame a master reads from a worker that has not yet proved the password (its `hello`
 * is ≈ 200 bytes): what an unauthenticated peer can make it buffer and parse.
 */
export const helloFrameBytesMax = 16 * 1024;
/** File bytes per frame when shipping inputs and outputs. */
export const chunkBytes = 1024 * 1024;

export class FrameError extends Error {
  override name = "FrameError";
}

export interface Frame {
  readonly header: { readonly type: string; readonly [key: string]: unknown };
  readonly payload: Buffer;
}

/** One buffer per frame (small ones come from Node's shared pool): most frames are a header alone. */
export function encodeFrame(header: object, payload?: Buffer): Buffer {
  const json = JSON.stringify(header);
  const headerBytes = Buffer.byteLength(json);
  const payloadBytes = payload ? payload.length : 0;
  const frame = Buffer.allocUnsafe(8 + headerBytes + payloadBytes);
  frame.writeUInt32BE(4 + headerBytes + payloadBytes, 0);
  frame.writeUInt32BE(headerBytes, 4);
  frame.write(json, 8);
  if (payload) payload.copy(frame, 8 + headerBytes);
  return frame;
}

export class FrameDecoder {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;

  /** `bytesMax`: the largest frame accepted now (raised once the peer is authenticated). */
  constructor(public bytesMax = frameBytesMax) {}

  /** Adds received bytes; returns the frames they complete. Throws FrameError on a bad frame. */
  push(chunk: Buffer): Frame[] {
    this.buffered.push(chunk);
    this.bufferedBytes += chunk.length;
    const frames: Frame[] = [];
    for (;;) {
      if (this.bufferedBytes < 4) break;
      const data = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered);
      this.buffered = [data];
      const length = data.readUInt32BE(0);
      if (length > this.bytesMax || length < 4) throw new FrameError(`frame of ${length} bytes (limit ${this.bytesMax})`);
      if (data.length < 4 + length) break;
      const headerLength = data.readUInt32BE(4);
      if (headerLength > headerBytesMax || headerLength > length - 4) throw new FrameError(`header of ${headerLength} bytes`);
      let header: Frame["header"];
      try {
        header = JSON.parse(data.subarray(8, 8 + headerLength).toString());
      } catch {
        throw new FrameError("header is not JSON");
      }
      if (typeof header !== "object" || header === null || typeof header.type !== "string") throw new FrameError("header has no type");
      frames.push({ header, payload: data.subarray(8 + headerLength, 4 + length) });
      const rest = data.subarray(4 + length);
      this.buffered = rest.length ? [rest] : [];
      this.bufferedBytes = rest.length;
    }
    return frames;
  }
}
