// skein-io-adapter: reads files to ship over a worker connection.
import { closeSync, openSync, readSync } from "node:fs";
import { chunkBytes } from "./frames.ts";

/**
 * Reads `path` in frames of at most `chunkBytes`, calling `emit` for each; the last call has
 * `last` set (an empty file, or one whose size is a multiple of the chunk, ends with a short
 * or empty chunk). Each chunk is a fresh buffer the callee may keep.
 */
export function forEachChunk(path: string, emit: (chunk: Buffer, last: boolean) => void): void {
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.alloc(chunkBytes);
    for (;;) {
      const length = readSync(fd, buffer, 0, chunkBytes, null);
      const last = length < chunkBytes;
      emit(Buffer.from(buffer.subarray(0, length)), last);
      if (last) return;
    }
  } finally {
    closeSync(fd);
  }
}
