// skein-io-adapter: writes requests straight to the launcher's standard input descriptor.
import { writeSync } from "node:fs";
import type { Writable } from "node:stream";

/**
 * Writes requests to the launcher's standard input with one write(2) on its descriptor when
 * nothing waits in the stream: a stream write costs several times the system call, and its
 * completion takes one more turn of the event loop, on every round trip to the launcher.
 * Whatever the socket does not take at once (it is full: EAGAIN or a short write) goes
 * through the stream, after what was written, as does everything while the stream still
 * holds data, so requests stay in order. Any other error is the stream's
 * to meet (a launcher gone is handled at its exit).
 */
export function writeRequests(stdin: Writable, text: string): void {
  const fd = stdin.writableLength === 0 && !stdin.destroyed ? (stdin as unknown as { _handle?: { fd?: number } })._handle?.fd : undefined;
  if (fd === undefined || fd < 0) {
    stdin.write(text);
    return;
  }
  const bytes = Buffer.from(text);
  let written = 0;
  try {
    written = writeSync(fd, bytes);
  } catch {
    // full (EAGAIN), or the launcher is gone (EPIPE): the stream queues it, or fails as it did
  }
  if (written < bytes.length) stdin.write(written === 0 ? bytes : bytes.subarray(written));
}
