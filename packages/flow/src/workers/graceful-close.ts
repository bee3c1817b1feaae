// skein-io-adapter: ends a worker's TCP connection so that its last frame arrives.
/**
 * The master drops a worker (silent past the worker timeout, a protocol error) with a last
 * `dropped` frame saying why. Destroying the socket right after writing it loses it when the
 * worker was still sending: the master's kernel answers bytes it never read with a reset, and
 * the worker, whose next write fails, closes without reading the frame (it then says only that
 * the connection closed). So the master ends its side after the frame and reads, and discards,
 * what the worker still sends until the worker closes too — at most `closeDrainBytesMax` (then
 * it reads no more) and `closeDrainMsMax` (a worker that never stops sending, or a stopped one
 * that never reads), then it destroys the socket.
 */
import type { Socket } from "node:net";
import type { Clock } from "@skein/core";

/** How long a dropped worker's connection is drained, waiting for the worker to close it, before it is destroyed. */
export const closeDrainMsMax = 2_000;
/** Bytes read and discarded from a dropped worker; past them it is not read (and destroyed at the time limit). */
export const closeDrainBytesMax = 16 * 1024 * 1024;

export interface GracefulCloseLimits {
  readonly timeMs: number;
  readonly bytesMax: number;
}

/** Ends `socket` after `last` (if it is still writable), drains what the peer sends within `limits`, then destroys it. */
export function closeGracefully(socket: Socket, clock: Clock, last?: Buffer, limits: GracefulCloseLimits = { timeMs: closeDrainMsMax, bytesMax: closeDrainBytesMax }): void {
  if (socket.destroyed) return;
  const timer = clock.setTimer(limits.timeMs, () => socket.destroy());
  socket.once("close", () => timer.cancel());
  let bytes = 0;
  const drain = (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes <= limits.bytesMax) return;
    // read no more (a reset now would lose the frame): the peer has until the time limit to read it
    socket.off("data", drain);
    socket.pause();
  };
  socket.on("data", drain);
  socket.resume(); // it may have been paused (outputs not yet on disk): what comes now is discarded
  if (socket.writableEnded) return;
  if (last && socket.writable) socket.end(last);
  else socket.end();
}
