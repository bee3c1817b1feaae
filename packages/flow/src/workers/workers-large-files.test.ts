// Files of any size cross a worker connection in chunks read as the connection drains: neither
// side holds a whole input or output in memory while the other side is slow to read.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { FrameDecoder } from "@skein/net/wire";
import { waitFor } from "@skein/testkit";
import { fakeMaster } from "../../test/fake-master.ts";
import { temporaryDirectories } from "../../test/temporary.ts";
import type { Rule } from "../workflow.ts";
import { FileCatalog } from "./file-catalog.ts";
import { unsentBytesMax } from "./frame-queue.ts";
import { chunkBytes, decodeFrame, type Frame } from "./frames.ts";
import { OutputStaging } from "./output-staging.ts";
import { startWorker } from "./worker.ts";
import { WorkerConnection } from "./worker-connection.ts";

const clock = realClock();
const temporary = temporaryDirectories("skein-workers-large-");
const bytes = 40 * 1024 * 1024;
/** What may be written and not yet sent: the limit, plus the frame that passed it. */
const bound = unsentBytesMax + chunkBytes + 1024;

test("workers: a large output is read as the master takes it, not all at once into memory; all of it arrives, then the result", { timeout: 60_000 }, async () => {
  let master: Socket | undefined;
  const frames: Frame[] = [];
  const server = await fakeMaster({
    opened: (send, socket) => {
      master = socket;
      send({ type: "task", task: 1, command: `head -c ${bytes} /dev/zero > big`, environment: {}, inputs: [], outputs: ["big"] });
      socket.pause(); // a slow master
    },
    frame: (frame) => frames.push(frame),
  });
  const worker = startWorker({ host: "127.0.0.1", port: server.port, workDirectory: temporary() }, { clock });
  await waitFor(clock, () => worker.unsentBytes() >= unsentBytesMax, 30_000, "the worker to fill its connection");
  assert.ok(worker.unsentBytes() <= bound, `unsent: ${worker.unsentBytes()} bytes`);
  master!.resume();
  await waitFor(clock, () => frames.some((frame) => frame.header.type === "result"), 30_000, "the result");
  const outputs = frames.filter((frame) => frame.header.type === "output");
  assert.equal(outputs.reduce((sum, frame) => sum + frame.payload.length, 0), bytes);
  assert.ok(outputs.every((frame) => frame.payload.length <= chunkBytes));
  // heartbeats may come at any time; the result comes after every output
  const result = frames.findIndex((frame) => frame.header.type === "result");
  assert.ok(frames.slice(result).every((frame) => frame.header.type !== "output"));
  const { type, task, exitCode, missing } = frames[result]!.header;
  assert.deepEqual({ type, task, exitCode, missing }, { type: "result", task: 1, exitCode: 0, missing: [] });
  worker.kill();
  await server.close();
});

test("workers: a large input is read as the worker takes it, not all at once into the master's memory; the task follows it", { timeout: 60_000 }, async () => {
  const root = temporary();
  writeFileSync(join(root, "big.in"), Buffer.alloc(bytes, 7));
  let peer: Socket | undefined;
  const server = createServer((socket) => {
    peer = socket;
    socket.pause(); // a slow worker
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const socket = connect({ host: "127.0.0.1", port: (server.address() as { port: number }).port });
  await new Promise((resolve) => socket.once("connect", resolve));
  await waitFor(clock, () => peer !== undefined, 10_000, "the connection");
  const info = { id: "worker-1", capacity: { cores: 1, memoryMb: 1, diskMb: 1_000_000, gpus: 0 }, runsLocalRules: false, runsRemoteRules: true, fastAbort: true };
  const listener = { joined: () => {}, left: () => {}, finished: () => {} };
  const connection = new WorkerConnection(info, socket, new FileCatalog(), new OutputStaging(), root, listener, () => Buffer.alloc(0), () => {});
  const rule = { sources: [{ path: "big.in", remoteName: "big.in" }], targets: [{ path: "out", remoteName: "out" }], command: "true", environment: {}, resources: {} } as unknown as Rule;
  connection.start({ task: 1, rule, attempt: 1 });
  assert.ok(socket.writableLength <= bound, `unsent: ${socket.writableLength} bytes`);
  const received: Frame[] = [];
  const decoder = new FrameDecoder(16 * 1024 * 1024);
  peer!.on("data", (chunk: Buffer) => decoder.push(chunk, ({ body }) => received.push(decodeFrame(body))));
  peer!.resume();
  await waitFor(clock, () => received.some((frame) => frame.header.type === "task"), 30_000, "the task frame");
  const files = received.filter((frame) => frame.header.type === "file");
  assert.equal(files.reduce((sum, frame) => sum + frame.payload.length, 0), bytes);
  assert.equal(received.at(-1)!.header.type, "task");
  socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
