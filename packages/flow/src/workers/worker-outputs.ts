// skein-io-adapter: reads a finished task's outputs from its sandbox.
/**
 * A task's declared outputs (files, or directory trees) go back to the master one of two ways.
 * Small ones — at most `inlineOutputBytesMax` bytes in `inlineOutputEntriesMax` entries, which
 * covers most tasks of a large workflow — travel inside the result frame itself
 * (`packOutputs`), so a task costs one frame and the master stores them with one write each.
 * Larger ones stream in `output` frames of at most `chunkBytes` before the result
 * (`streamOutputs`), read as the connection drains (`frame-queue.ts`). What is sent was listed
 * first, inside the sandbox (`output-listing.ts`). Streaming everything would cost a frame, a promise and an append per file
 * even for the empty file a `touch` makes. Each file goes with its permission bits
 * (`file-modes.ts`), so an output made executable here is executable on the master.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { encodeFrame } from "./frames.ts";
import type { FrameQueue } from "./frame-queue.ts";
import type { OutputListing } from "./output-listing.ts";

/** Output bytes of one task that may travel inside its result frame. */
export const inlineOutputBytesMax = 64 * 1024;
/** Output entries (files and directories) of one task that may travel inside its result frame. */
export const inlineOutputEntriesMax = 64;

/** One output carried in a result frame; file bytes follow each other in its payload. */
export interface InlineOutput {
  readonly name: string;
  /** Bytes of the payload this file takes; absent for a directory. */
  readonly bytes?: number;
  /** A file's permission bits (`mode & 0o777`); absent for a directory. */
  readonly mode?: number;
  readonly directory?: true;
}

export interface PackedOutputs {
  readonly entries: InlineOutput[];
  readonly payload: Buffer;
}

/**
 * Queues the listed outputs as `output` frames, each file read as the connection drains; then
 * `result` is called (with the first file that could not be read, if one could not: it changed
 * since it was listed) for the frame that ends the task. Once `cancelled` says so (the master
 * aborted the task), what is left of them is neither read nor sent; `result` is still called.
 */
export function streamOutputs(listing: OutputListing, task: number, queue: FrameQueue, cancelled: () => boolean, result: (unreadable: string | undefined) => Buffer | undefined): void {
  let unreadable: string | undefined;
  for (const { name, path, mode, directory } of listing.entries) {
    if (directory) queue.step(() => (unreadable || cancelled() ? undefined : encodeFrame({ type: "output", task, name, directory: true })));
    else {
      const failed = (error: Error) => {
        unreadable ??= `cannot read its output '${name}' (${(error as NodeJS.ErrnoException).code ?? error.message})`;
      };
      queue.file(path, (chunk, last) => encodeFrame({ type: "output", task, name, mode, last }, chunk), failed, cancelled);
    }
  }
  queue.step(() => result(unreadable));
}

/** The file's bytes, or undefined if it no longer has the size it was listed with (or passes `limit`). */
function readSmall(path: string, size: number, limit: number): Buffer | undefined {
  if (size === 0) return Buffer.alloc(0);
  if (size > limit) return undefined;
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.allocUnsafe(size + 1); // one byte more shows that it grew
    let length = 0;
    for (let read = -1; read !== 0 && length <= size; length += read) read = readSync(fd, buffer, length, size + 1 - length, null);
    return length === size ? buffer.subarray(0, length) : undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * The listed outputs packed for the result frame, or undefined when they pass the inline
 * limits (the caller streams them with `streamOutputs` instead). Throws if a file cannot be read.
 */
export function packOutputs(listing: OutputListing): PackedOutputs | undefined {
  if (listing.entries.length > inlineOutputEntriesMax || listing.bytes > inlineOutputBytesMax) return undefined;
  const entries: InlineOutput[] = [];
  const chunks: Buffer[] = [];
  let room = inlineOutputBytesMax;
  for (const { name, path, size, mode, directory } of listing.entries) {
    if (directory) {
      entries.push({ name, directory: true });
      continue;
    }
    const content = readSmall(path, size, room);
    if (!content) return undefined;
    room -= content.length;
    entries.push({ name, bytes: content.length, mode });
    if (content.length > 0) chunks.push(content);
  }
  return { entries, payload: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) };
}
