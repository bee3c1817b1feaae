import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { temporaryDirectories } from "../../test/temporary.ts";
import { FrameQueue, fileReadsPerTurnMax, unsentBytesMax } from "./frame-queue.ts";
import { chunkBytes } from "./frames.ts";

const temporary = temporaryDirectories("skein-frame-queue-");

/** A connected socket whose peer does not read, and a way to end it all. */
async function stalledSocket(): Promise<{ socket: Socket; close: () => Promise<void> }> {
  const peers: Socket[] = [];
  const server = createServer((peer) => {
    peer.pause();
    peers.push(peer);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const socket = connect({ host: "127.0.0.1", port: (server.address() as { port: number }).port });
  await new Promise((resolve) => socket.once("connect", resolve));
  const close = () => {
    for (const peer of peers) peer.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { socket, close };
}

test("frame queue: a connection that breaks while a file waits drops the rest, closes the file and runs nothing after it", async () => {
  const path = join(temporary(), "big");
  writeFileSync(path, Buffer.alloc(unsentBytesMax * 8));
  const { socket, close } = await stalledSocket();
  const queue = new FrameQueue(socket);
  let chunks = 0;
  let after = false;
  const frame = (chunk: Buffer) => {
    chunks++;
    return Buffer.from(chunk);
  };
  queue.file(path, frame, () => assert.fail("not a read failure"));
  queue.step(() => {
    after = true;
    return undefined;
  });
  assert.ok(chunks * chunkBytes < unsentBytesMax * 8 && queue.length === 2, "the file waits for the connection to drain");
  const sent = chunks;
  socket.destroy();
  await new Promise((resolve) => socket.once("close", resolve));
  assert.equal(queue.length, 0);
  assert.equal(chunks, sent, "no more of the file was read");
  assert.equal(after, false);
  await close();
});

test("frame queue: thousands of small files are read a few hundred per turn of the event loop, so heartbeats still leave; all are sent, in order", { timeout: 30_000 }, async () => {
  const directory = temporary();
  const count = fileReadsPerTurnMax * 4;
  for (let i = 0; i < count; i++) writeFileSync(join(directory, `f${i}`), String(i));
  const { socket, close } = await stalledSocket(); // 1 024 small frames fit in what the socket holds
  const queue = new FrameQueue(socket);
  const read: string[] = [];
  for (let i = 0; i < count; i++) queue.file(join(directory, `f${i}`), (chunk) => {
    read.push(chunk.toString());
    return Buffer.from(chunk);
  }, () => assert.fail("not a read failure"));
  assert.ok(read.length <= fileReadsPerTurnMax, `${read.length} files read in one turn`);
  let turns = 0;
  while (read.length < count && turns < 1_000) {
    await new Promise((resolve) => setImmediate(resolve));
    turns++;
  }
  assert.deepEqual(read, Array.from({ length: count }, (_, i) => String(i)));
  assert.ok(turns >= 3, `read over ${turns} turns`);
  socket.destroy();
  await close();
});
