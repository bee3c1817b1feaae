// The master drops a worker with a last `dropped` frame saying why, and ends the connection so
// that the frame arrives even while the worker is still sending (a reset would lose it).
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { temporaryDirectories } from "../../test/temporary.ts";
import { runFlow } from "../run/run-flow.ts";
import { encodeFrame, FlowWire, type Frame } from "./frames.ts";
import { closeGracefully } from "./graceful-close.ts";
import { startWorker } from "./worker.ts";

const clock = realClock();
const temporary = temporaryDirectories("skein-graceful-close-");

/** Heartbeat frames, written as fast as the socket takes them until it closes. */
function keepSending(socket: Socket): void {
  const burst = Buffer.concat(Array.from({ length: 4_096 }, () => encodeFrame({ type: "heartbeat" })));
  const more = () => {
    while (!socket.destroyed && socket.writable && socket.write(burst));
    if (!socket.destroyed && socket.writable) socket.once("drain", more);
  };
  more();
}

test("workers: a worker the master drops for a protocol error while it is still sending, and while input bytes to it are still queued, hears why (the 'dropped' frame); the run goes on with another worker", { timeout: 30_000 }, async () => {
  const root = temporary();
  writeFileSync(join(root, "big.in"), Buffer.alloc(32 * 1024 * 1024, 7));
  writeFileSync(join(root, "w.mf"), "a: big.in\n\tcmp -s big.in big.in && echo a > a\n");
  let err = "";
  const heard: Frame[] = [];
  let finished: Promise<{ closed: Promise<string> }> | undefined;
  const chatty = (port: number) =>
    new Promise<void>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port });
      const wire = new FlowWire(socket, { role: "connector", self: "chatty", password: undefined, info: { cores: 1 } }, {
        opened: () => {
          socket.write(encodeFrame({ type: "cached", entries: [] }));
          // it reads nothing for a while, so the master's input bytes to it queue up; then it sends a
          // second listing (a protocol error), and more and more bytes after it, and reads again
          socket.pause();
          clock.setTimer(300, () => {
            socket.write(encodeFrame({ type: "cached", entries: [] }));
            keepSending(socket);
            clock.setTimer(300, () => socket.resume());
          });
        },
        frame: (frame) => void heard.push(frame),
      });
      socket.on("data", (chunk: Buffer) => wire.push(chunk));
      socket.on("error", () => {});
      socket.on("close", () => resolve());
    });
  const onListening = (port: number) => {
    finished = chatty(port).then(() => ({ closed: startWorker({ host: "127.0.0.1", port, workDirectory: temporary() }, { clock }).closed }));
  };
  const output = { out: () => {}, err: (text: string) => (err += text) };
  const code = await runFlow({ file: join(root, "w.mf"), target: "workers", port: 0, jobs: 1, progress: false, environment: {}, onListening }, { clock, random: Math.random, output });
  assert.equal(code, 0, err);
  assert.equal(await (await finished!).closed, "the master finished");
  assert.match(err, /worker-1 left \(protocol error: a second cache listing\): its task waits for a worker to connect/);
  const types = heard.map((frame) => frame.header.type);
  assert.ok(types.includes("file"), `input bytes were queued to it: ${types.join(", ")}`);
  assert.deepEqual(heard.at(-1)?.header, { type: "dropped", reason: "protocol error: a second cache listing" }, `frames heard: ${[...new Set(types)].join(", ")}`);
});

test("graceful close: a peer that never stops sending is read no further past the byte limit; one that never closes its side is cut off at the time limit", { timeout: 30_000 }, async () => {
  const limits = { timeMs: 500, bytesMax: 1_000_000 };
  const serverClosed: Array<Promise<number>> = [];
  const server = createServer((socket) => {
    let read = 0;
    serverClosed.push(new Promise<number>((resolve) => socket.on("close", () => resolve(read))));
    socket.on("error", () => {});
    socket.on("data", (chunk: Buffer) => (read += chunk.length));
    socket.once("data", () => closeGracefully(socket, clock, Buffer.from("bye"), limits));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const client = (flood: boolean) => {
    const socket = connect({ host: "127.0.0.1", port, allowHalfOpen: true }); // it never closes its side by itself
    let received = "";
    socket.on("data", (chunk: Buffer) => (received += chunk.toString()));
    socket.on("error", () => {});
    socket.write("hello");
    if (flood) keepSending(socket);
    return { socket, received: () => received };
  };
  for (const flood of [true, false]) {
    const started = clock.nowMs();
    const peer = client(flood);
    while (serverClosed.length < (flood ? 1 : 2)) await new Promise((resolve) => setImmediate(resolve));
    const read = await serverClosed.at(-1)!;
    assert.ok(clock.nowMs() - started < 10_000);
    if (flood) assert.ok(read < limits.bytesMax + 1_000_000, `read ${read} bytes of the flood`);
    assert.equal(peer.received(), "bye", "its end arrived first");
    peer.socket.destroy();
  }
  await new Promise((resolve) => server.close(resolve));
});
