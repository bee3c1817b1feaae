// skein-io-adapter: frames out to a worker connection's socket, files read as it drains.
/**
 * Both ends of a worker connection send files — inputs to the worker, outputs back — of any
 * size. Written to the socket at once, a 10 GB file would sit in this process's memory until
 * the network took it. So frames go through this queue: a frame is written at once while the
 * socket holds less than `unsentBytesMax` not yet sent, and a file is read one chunk
 * (`chunkBytes`) at a time, only when the socket has room; what comes after a file (the task
 * that needs it, the result that follows its outputs) waits behind it, in order. Frames written
 * in one turn of the event loop leave together (one write, fewer packets).
 */
import { closeSync, openSync, readSync } from "node:fs";
import type { Socket } from "node:net";
import { chunkBytes } from "./frames.ts";

/** Bytes written to the socket and not yet sent beyond which files are not read further. */
export const unsentBytesMax = 4 * chunkBytes;

/**
 * Chunks read per turn of the event loop. Thousands of small files fit in `unsentBytesMax`, and
 * reading them all at once (three system calls each) held the loop for seconds: heartbeats did
 * not leave, and the other side dropped the connection as silent.
 */
export const fileReadsPerTurnMax = 256;

/** Where chunks are read: each is framed (copied) before the next read. */
const chunkBuffer = Buffer.allocUnsafe(chunkBytes);

/** A file to send in chunks: `frame` makes each chunk's frame (the last has `last` set; the chunk is valid only during the call). */
interface FileItem {
  readonly path: string;
  readonly frame: (chunk: Buffer, last: boolean) => Buffer;
  readonly failed: (error: Error) => void;
  /** Whether it is no longer wanted (its task was aborted): the rest of it is not sent. */
  readonly cancelled: (() => boolean) | undefined;
  fd: number | undefined;
}

/** A frame, a file, or a step whose frame (if any) is made when its turn comes. */
type Item = Buffer | FileItem | (() => Buffer | undefined);

export class FrameQueue {
  private readonly items: Item[] = [];
  private head = 0;
  private corked = false;
  private waiting = false;
  private closed = false;
  private readsThisTurn = 0;

  constructor(private readonly socket: Socket) {
    // gone: nothing waiting will be sent (nor will a drain come); an open file is closed
    socket.once("close", () => this.close());
  }

  /** Frames and files waiting, for tests. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** Sends a frame after everything queued before it. */
  frame(frame: Buffer): void {
    if (this.length === 0 && !this.full()) this.write(frame);
    else this.push(frame);
  }

  /**
   * Sends `path` in chunks after everything queued before it. If it cannot be read (gone, or
   * unreadable), `failed` hears why, once, and no more of it is sent: frames of it already sent
   * stay sent, and what comes after it goes on. Once `cancelled` says so, no more of it is read
   * or sent (its chunks already sent stay sent).
   */
  file(path: string, frame: (chunk: Buffer, last: boolean) => Buffer, failed: (error: Error) => void, cancelled?: () => boolean): void {
    this.push({ path, frame, failed, cancelled, fd: undefined });
  }

  /** Runs `step` when everything queued before it has been handed to the socket; it may return a frame to send. */
  step(step: () => Buffer | undefined): void {
    if (this.length === 0 && !this.full()) {
      const frame = step();
      if (frame) this.write(frame);
    } else this.push(step);
  }

  /** Sends what was written in this turn of the event loop now. */
  flush(): void {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  }

  /** Drops what waits (the connection is gone); open files are closed. */
  close(): void {
    this.closed = true;
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i]!;
      if (isFile(item) && item.fd !== undefined) closeSync(item.fd);
    }
    this.items.length = 0;
    this.head = 0;
  }

  private push(item: Item): void {
    if (this.closed) return;
    this.items.push(item);
    if (!this.waiting) this.pump(); // else a pump is due (the socket drains, or the next turn)
  }

  private full(): boolean {
    return this.socket.writableLength >= unsentBytesMax;
  }

  private write(frame: Buffer): void {
    if (this.closed || this.socket.destroyed || this.socket.writableEnded) return;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => this.flush());
    }
    this.socket.write(frame);
  }

  private pump(): void {
    while (this.head < this.items.length && !this.full() && !this.closed && !this.socket.destroyed) {
      const item = this.items[this.head]!;
      if (Buffer.isBuffer(item)) {
        this.shift();
        this.write(item);
      } else if (typeof item === "function") {
        this.shift();
        const frame = item();
        if (frame) this.write(frame);
      } else if (item.cancelled?.()) {
        if (item.fd !== undefined) closeSync(item.fd);
        item.fd = undefined;
        this.shift();
      } else if (!this.mayRead()) break;
      else if (this.sendChunk(item)) this.shift();
    }
    if (this.head < this.items.length && !this.waiting && !this.closed && !this.socket.destroyed) {
      this.waiting = true;
      const more = () => {
        this.waiting = false;
        this.pump();
      };
      // the socket is full: on when it drains; else the turn's reads are done: on after what else waits (heartbeats)
      if (this.full()) this.socket.once("drain", more);
      else setImmediate(more);
    }
  }

  /** Whether a chunk may be read in this turn of the event loop (`fileReadsPerTurnMax`); counts it. */
  private mayRead(): boolean {
    if (this.readsThisTurn >= fileReadsPerTurnMax) return false;
    if (this.readsThisTurn++ === 0) setImmediate(() => (this.readsThisTurn = 0));
    return true;
  }

  /** Sends the file's next chunk; true when it is done with (sent whole, or failed). */
  private sendChunk(item: FileItem): boolean {
    let chunk: Buffer;
    try {
      item.fd ??= openSync(item.path, "r");
      chunk = chunkBuffer.subarray(0, readSync(item.fd, chunkBuffer, 0, chunkBytes, null));
    } catch (error) {
      if (item.fd !== undefined) closeSync(item.fd);
      item.fd = undefined;
      item.failed(error as Error);
      return true;
    }
    // a short chunk ends the file (an empty file, or one whose size is a multiple of the chunk, ends with a short or empty one)
    const last = chunk.length < chunkBytes;
    if (last) {
      closeSync(item.fd);
      item.fd = undefined;
    }
    this.write(item.frame(chunk, last));
    return last;
  }

  private shift(): void {
    this.items[this.head++] = undefined as unknown as Item;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    }
  }
}

function isFile(item: Item): item is FileItem {
  return !Buffer.isBuffer(item) && typeof item !== "function";
}
