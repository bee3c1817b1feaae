/**
 * A link's outbound queue: the frames waiting to be written to the peer, in order, encoded.
 *
 * Frames are encoded straight into a slab (one large buffer). A flush hands the socket a view
 * of the frames encoded since the previous flush, and later frames go after them in the same
 * slab: nothing is copied on the way to the socket, and bytes handed to the socket are never
 * written again. A slab that fills up is sealed (kept, in order, until written) and a new one
 * started: twice as big as the part of the old one still waiting, between SLAB_BYTES_MIN and
 * WRITE_BATCH_BYTES — so a busy link writes up to WRITE_BATCH_BYTES at a time and an idle one
 * holds a small slab. The rejected alternative, one buffer per frame joined by `Buffer.concat`
 * at flush time, cost an allocation and two copies per message.
 *
 * `encode` writes a frame after the queued ones without queuing it; `commit` queues it. The link
 * checks its limits in between, so a refused message leaves no trace.
 */
import { type Address, type Envelope, EnvelopeKind, MessageError } from "@skein/core";
import { Packr } from "msgpackr";
import { FRAME_HEADER_BYTES, FrameType } from "./frame.ts";
import { WRITE_BATCH_BYTES } from "./limits.ts";
import { MsgpackWriter } from "./msgpack-writer.ts";

/** Smallest slab: an idle link holds at most one such (a node may have many links). */
const SLAB_BYTES_MIN = 4 * 1024;
/** After the queue empties, a slab with less room than this left is let go. */
const SLAB_ROOM_BYTES_MIN = 1024;

/** Bodies the in-place writer does not handle go through msgpackr, as before. */
const packr = new Packr({ useRecords: false, variableMapSize: true });

/** Thrown out of `makeRoom` when a frame has grown past the frame limit. */
class FrameTooLarge extends Error {}

export class OutboundQueue extends MsgpackWriter {
  /** Frames queued. */
  messages = 0;
  /** Encoded bytes queued. */
  bytes = 0;
  /** First byte of the current slab not yet handed to the socket. */
  private slabStart = 0;
  /** End of the queued frames in the current slab (`position` runs ahead while encoding). */
  private committed = 0;
  private slabFrames = 0;
  private slabCalls = 0;
  /** Full slabs waiting to be written, with how many frames and calls each holds. */
  private sealed: Buffer[] = [];
  private sealedFrames: number[] = [];
  private sealedCalls: number[] = [];
  private sealedHead = 0;
  /** Calls queued (they fail with UnreachableError if the link gives up), oldest first. */
  private calls: Envelope[] = [];
  private callsHead = 0;
  private encoding = false;
  /** The last envelope's names and type, and their encoding: most frames repeat them. */
  private header = { sourceNode: "", sourceService: "", targetNode: "", targetService: "", type: "", bytes: new Uint8Array(0) };

  constructor(private readonly frameBytesMax: number) {
    super();
  }

  /**
   * Encodes `envelope` as one frame after the queued ones, without queuing it: `commit` does.
   * Returns the frame's size in bytes. Throws MessageError if the envelope cannot be encoded or
   * its frame would exceed the frame limit; encoding stops as soon as it is over the limit.
   */
  encode(envelope: Envelope): number {
    const { source, target, type } = envelope;
    // a getter in a message body could send another message while this one is half written
    if (this.encoding) throw new MessageError(`message ${type} was sent while another message to the same node was being encoded`);
    this.encoding = true;
    this.position = this.committed;
    this.frameStart = this.committed;
    try {
      this.ensure(FRAME_HEADER_BYTES + 3);
      this.position += FRAME_HEADER_BYTES + 1;
      this.buffer[this.position++] = 0x98; // an envelope is an 8-element array
      this.buffer[this.position++] = envelope.kind;
      this.writeHeader(source, target, type);
      this.writeNumber(envelope.callId);
      this.writeBody(envelope.body);
    } catch (error) {
      this.position = this.committed;
      if (error instanceof FrameTooLarge) throw new MessageError(`message ${type} is over the frame limit of ${this.frameBytesMax} bytes encoded`);
      throw new MessageError(`message ${type} cannot be encoded: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.encoding = false;
    }
    const frameBytes = this.position - this.frameStart;
    const bodyBytes = frameBytes - FRAME_HEADER_BYTES; // type byte and msgpack
    if (bodyBytes > this.frameBytesMax) {
      this.position = this.committed;
      throw new MessageError(`message ${type} is ${bodyBytes - 1} bytes encoded, over the frame limit of ${this.frameBytesMax}`);
    }
    this.buffer.writeUInt32BE(bodyBytes, this.frameStart);
    this.buffer[this.frameStart + FRAME_HEADER_BYTES] = FrameType.Envelope;
    return frameBytes;
  }

  /** The four names and the type, copied from the last frame's when they are the same. */
  private writeHeader(source: Address, target: Address, type: string): void {
    const header = this.header;
    if (source.node === header.sourceNode && source.service === header.sourceService && target.node === header.targetNode && target.service === header.targetService && type === header.type) {
      const bytes = header.bytes;
      this.ensure(bytes.length);
      this.buffer.set(bytes, this.position); // faster than a byte loop from ~16 bytes on
      this.position += bytes.length;
      return;
    }
    this.writeString(source.node);
    this.writeString(source.service);
    this.writeString(target.node);
    this.writeString(target.service);
    this.writeString(type);
    // after the frame header, the array token and the kind (the frame may have moved to a new slab)
    const start = this.frameStart + FRAME_HEADER_BYTES + 3;
    this.header = {
      sourceNode: source.node,
      sourceService: source.service,
      targetNode: target.node,
      targetService: target.service,
      type,
      bytes: Uint8Array.prototype.slice.call(this.buffer, start, this.position),
    };
  }

  private writeBody(body: unknown): void {
    const start = this.position;
    if (this.writeValue(body, 0)) return;
    this.position = start;
    const encoded = packr.pack(body);
    this.ensure(encoded.length);
    this.buffer.set(encoded, this.position);
    this.position += encoded.length;
  }

  /** Queues the frame the last `encode` wrote. */
  commit(envelope: Envelope): void {
    this.bytes += this.position - this.frameStart;
    this.committed = this.position;
    this.messages++;
    this.slabFrames++;
    if (envelope.kind === EnvelopeKind.Call) {
      this.calls.push(envelope);
      this.slabCalls++;
    }
  }

  protected makeRoom(bytes: number): void {
    const frameBytes = this.position - this.frameStart;
    // a string of n characters asks for up to 3n bytes: past 3× the limit, it cannot fit
    if (frameBytes > FRAME_HEADER_BYTES + this.frameBytesMax || frameBytes + bytes > 3 * this.frameBytesMax + 64) throw new FrameTooLarge();
    const waiting = this.committed - this.slabStart;
    this.seal();
    const size = Math.max(Math.min(WRITE_BATCH_BYTES, Math.max(SLAB_BYTES_MIN, 2 * waiting)), 2 * frameBytes + bytes);
    const slab = Buffer.allocUnsafe(size) as typeof this.buffer;
    this.buffer.copy(slab, 0, this.frameStart, this.position);
    this.buffer = slab;
    this.slabStart = 0;
    this.committed = 0;
    this.frameStart = 0;
    this.position = frameBytes;
  }

  /** Moves the current slab's queued frames to the sealed list. */
  private seal(): void {
    if (this.committed > this.slabStart) {
      this.sealed.push(this.buffer.subarray(this.slabStart, this.committed));
      this.sealedFrames.push(this.slabFrames);
      this.sealedCalls.push(this.slabCalls);
    }
    this.slabStart = this.committed;
    this.slabFrames = 0;
    this.slabCalls = 0;
  }

  /** Removes and returns the oldest queued bytes (whole frames), or undefined if none are queued. */
  take(): Buffer | undefined {
    let chunk: Buffer;
    let frames: number;
    let calls: number;
    if (this.sealedHead < this.sealed.length) {
      const head = this.sealedHead++;
      chunk = this.sealed[head]!;
      frames = this.sealedFrames[head]!;
      calls = this.sealedCalls[head]!;
      if (this.sealedHead === this.sealed.length) {
        this.sealed = [];
        this.sealedFrames = [];
        this.sealedCalls = [];
        this.sealedHead = 0;
      }
    } else if (this.committed > this.slabStart) {
      chunk = this.buffer.subarray(this.slabStart, this.committed);
      frames = this.slabFrames;
      calls = this.slabCalls;
      this.slabStart = this.committed;
      this.slabFrames = 0;
      this.slabCalls = 0;
    } else return undefined;
    this.messages -= frames;
    this.bytes -= chunk.length;
    if (calls > 0) this.dropCalls(calls);
    // an emptied queue keeps its slab only if it has room left and is not an oversized one
    if (this.messages === 0 && (this.buffer.length - this.committed < SLAB_ROOM_BYTES_MIN || this.buffer.length > WRITE_BATCH_BYTES)) this.releaseSlab();
    return chunk;
  }

  private dropCalls(count: number): void {
    this.callsHead += count;
    if (this.callsHead === this.calls.length) {
      this.calls = [];
      this.callsHead = 0;
    } else if (this.callsHead > 1024 && this.callsHead * 2 > this.calls.length) {
      this.calls = this.calls.slice(this.callsHead);
      this.callsHead = 0;
    }
  }

  private releaseSlab(): void {
    this.buffer = Buffer.alloc(0) as typeof this.buffer;
    this.slabStart = 0;
    this.committed = 0;
    this.position = 0;
  }

  /** Empties the queue; returns the calls that were in it and how many frames it held. */
  clear(): { calls: Envelope[]; messages: number } {
    const result = { calls: this.calls.slice(this.callsHead), messages: this.messages };
    this.sealed = [];
    this.sealedFrames = [];
    this.sealedCalls = [];
    this.sealedHead = 0;
    this.calls = [];
    this.callsHead = 0;
    this.messages = 0;
    this.bytes = 0;
    this.slabFrames = 0;
    this.slabCalls = 0;
    this.releaseSlab();
    return result;
  }
}
