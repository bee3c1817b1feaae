// An input reaches a worker's cache only under the hash of the bytes that arrived. The master
// hashes an input when its task starts and reads it again as the connection drains: edited in
// place in between, its bytes would cross under the old hash, and every later task given that
// hash on that worker would get them. The worker hashes what it receives and refuses a mismatch;
// the master hashes what it sends, and sends the task again with the file hashed afresh.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { closeSync, openSync, readdirSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { FrameDecoder } from "@skein/net/wire";
import { waitFor } from "@skein/testkit";
import { fakeMaster } from "../../test/fake-master.ts";
import { temporaryDirectories } from "../../test/temporary.ts";
import { runFlow } from "../run/run-flow.ts";
import type { TaskOutcome } from "../schedule/types.ts";
import type { Rule } from "../workflow.ts";
import { FileCatalog } from "./file-catalog.ts";
import { cachedFileName } from "./file-modes.ts";
import { decodeFrame, type Frame } from "./frames.ts";
import { InputCache } from "./input-cache.ts";
import { OutputStaging } from "./output-staging.ts";
import { startWorker } from "./worker.ts";
import { inputRerunsMax, WorkerConnection } from "./worker-connection.ts";

const clock = realClock();
const temporary = temporaryDirectories("skein-workers-integrity-");
const sha256 = (bytes: Buffer | string) => createHash("sha256").update(bytes).digest("hex");
const bytes = 32 * 1024 * 1024;

/** Overwrites `path` in place (no truncation, no new inode) with `fill`. */
function overwrite(path: string, fill: number): void {
  const fd = openSync(path, "r+");
  try {
    writeSync(fd, Buffer.alloc(bytes, fill), 0, bytes, 0);
  } finally {
    closeSync(fd);
  }
}

/** Every cache entry in `directory` holds bytes of the hash it is named by. */
function assertCacheTrue(directory: string): void {
  for (const name of readdirSync(directory)) {
    if (name.endsWith(".part")) continue;
    assert.equal(sha256(readFileSync(join(directory, name))), name.slice(0, 64), `cache entry ${name}`);
  }
}

test("input cache: a file whose bytes do not have the hash it was sent under is not cached, and the cache says why; a transfer a connection cut short starts again from nothing", () => {
  const cache = new InputCache(join(temporary(), "cache"));
  const hash = sha256("orig\n");
  const name = cachedFileName(hash, 0o644);
  assert.equal(cache.receive(hash, 0o644, false, Buffer.from("or")), true);
  assert.equal(cache.receive(hash, 0o644, true, Buffer.from("XX\n")), false);
  assert.deepEqual(readdirSync(cache.directory), []);
  assert.deepEqual(cache.missing([{ name: "in.txt", hash, mode: 0o644 }]), [name]);
  assert.equal(cache.rejection(name)!.final, false);
  assert.match(cache.rejection(name)!.reason, /^its bytes arrived with sha256 [0-9a-f]{12}…, not the [0-9a-f]{12}… they were sent under \(the file changed on the master while it was sent\?\)$/);
  cache.receive(hash, 0o644, false, Buffer.from("half of something"));
  cache.abandonTransfers(); // the connection broke
  assert.equal(cache.receive(hash, 0o644, true, Buffer.from("orig\n")), true);
  assert.equal(cache.rejection(name), undefined);
  assert.deepEqual(cache.missing([{ name: "in.txt", hash, mode: 0o644 }]), []);
  assertCacheTrue(cache.directory);
});

test("workers: a worker sent bytes that do not have their hash caches nothing and answers the task with a rerun naming the input; given the right bytes it runs it", { timeout: 30_000 }, async () => {
  const hash = sha256("orig\n");
  const task = { type: "task", task: 1, command: "cat in.txt > out", environment: {}, inputs: [{ name: "in.txt", hash, mode: 0o644 }], outputs: ["out"] };
  const results: Array<Record<string, unknown>> = [];
  const master = await fakeMaster({
    opened: (send) => {
      send({ type: "file", hash, mode: 0o644, last: true }, Buffer.from("edited\n"));
      send(task);
    },
    frame: (frame, send) => {
      if (frame.header.type !== "result") return;
      results.push({ ...frame.header, payload: frame.payload.toString() });
      if (results.length > 1) return send({ type: "bye" });
      send({ type: "file", hash, mode: 0o644, last: true }, Buffer.from("orig\n"));
      send(task);
    },
  });
  const workDirectory = temporary();
  const worker = startWorker({ host: "127.0.0.1", port: master.port, workDirectory }, { clock });
  assert.equal(await worker.closed, "the master finished");
  await master.close();
  assert.equal(results[0]!.task, 1);
  assert.match(String(results[0]!.rerun), /^input 'in\.txt' was not cached: its bytes arrived with sha256 [0-9a-f]{12}…, not the [0-9a-f]{12}… they were sent under/);
  assert.deepEqual(results[0]!.dropped, [cachedFileName(hash, 0o644)]);
  assert.deepEqual([results[1]!.exitCode, results[1]!.payload], [0, "orig\n"]);
  assertCacheTrue(join(workDirectory, "cache"));
});

/** A master's connection to a paused peer: what it sends, and how its tasks end. */
async function pausedPeer(root: string) {
  let peer: Socket | undefined;
  const server = createServer((socket) => {
    peer = socket;
    socket.pause(); // a slow worker: the master reads the input only as far as the connection drains
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const socket = connect({ host: "127.0.0.1", port: (server.address() as { port: number }).port });
  await new Promise((resolve) => socket.once("connect", resolve));
  await waitFor(clock, () => peer !== undefined, 10_000, "the connection");
  const info = { id: "worker-1", capacity: { cores: 1, memoryMb: 1, diskMb: 1_000_000, gpus: 0 }, runsLocalRules: false, runsRemoteRules: true, fastAbort: true };
  const outcomes: TaskOutcome[] = [];
  const listener = { joined: () => {}, left: () => {}, finished: (_task: number, outcome: TaskOutcome) => void outcomes.push(outcome) };
  const connection = new WorkerConnection(info, socket, new FileCatalog(), new OutputStaging(), root, listener, () => Buffer.alloc(0), () => {});
  const received: Frame[] = [];
  const decoder = new FrameDecoder(16 * 1024 * 1024);
  peer!.on("data", (chunk: Buffer) => decoder.push(chunk, ({ body }) => received.push(decodeFrame(body))));
  const close = async () => {
    socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { peer: peer!, connection, received, outcomes, close };
}

test(`workers: an input edited in place while the master sends it is sent again under its new hash when the worker asks; edited every time, the task fails after ${inputRerunsMax} reruns naming the file`, { timeout: 60_000 }, async () => {
  const root = temporary();
  const path = join(root, "big.in");
  writeFileSync(path, Buffer.alloc(bytes, 1));
  const { peer, connection, received, outcomes, close } = await pausedPeer(root);
  const rule = { sources: [{ path: "big.in", remoteName: "big.in" }], targets: [{ path: "out", remoteName: "out" }], command: "true", environment: {}, resources: {} } as unknown as Rule;
  connection.start({ task: 1, rule, attempt: 1 });
  let fill = 1;
  for (let attempt = 0; attempt <= inputRerunsMax; attempt++) {
    overwrite(path, ++fill); // after the master hashed it, before it read all of it
    peer.resume();
    await waitFor(clock, () => received.filter((frame) => frame.header.type === "task").length === attempt + 1, 30_000, "the task frame");
    peer.pause();
    const files = received.filter((frame) => frame.header.type === "file").slice(-Math.ceil((bytes + 1) / (1024 * 1024)));
    const sent = createHash("sha256");
    for (const frame of files) sent.update(frame.payload);
    const announced = String(files[0]!.header.hash);
    assert.notEqual(sent.digest("hex"), announced, "the bytes sent are a mix of old and new");
    assert.equal(announced, attempt === 0 ? sha256(Buffer.alloc(bytes, 1)) : sha256(Buffer.alloc(bytes, fill - 1)), "each rerun hashed the file afresh");
    // as the worker answers: it refused those bytes
    connection.frame({ header: { type: "result", task: 1, rerun: "input 'big.in' was not cached: …", dropped: [cachedFileName(announced, 0o644)] }, payload: Buffer.alloc(0) });
  }
  assert.equal(outcomes.length, 1);
  assert.deepEqual(outcomes[0], { ok: false, reason: `input big.in changed while it was being sent to worker-1, ${inputRerunsMax + 1} times: it must not change during the run` });
  await close();
});

test("workers: an input edited in place while it crosses to a real worker never reaches a task or the cache under its old hash; the task runs on the new content", { timeout: 60_000 }, async () => {
  const root = temporary();
  const path = join(root, "big.in");
  writeFileSync(path, Buffer.alloc(bytes, 1));
  writeFileSync(join(root, "w.mf"), "out: big.in\n\tsha256sum big.in | cut -c1-64 > out\n");
  const workDirectory = temporary();
  // between master and worker, a proxy that stops passing the master's bytes once 2 MiB went
  // through, until the test has edited the input
  let edited = false;
  const proxy = createServer((worker) => {
    const master = connect({ host: "127.0.0.1", port: masterPort });
    let forwarded = 0;
    worker.on("data", (chunk) => master.write(chunk));
    master.on("data", (chunk: Buffer) => {
      worker.write(chunk);
      forwarded += chunk.length;
      if (edited || forwarded < 2 * 1024 * 1024) return;
      master.pause();
      overwrite(path, 2);
      edited = true;
      master.resume();
    });
    worker.on("close", () => master.destroy());
    master.on("close", () => worker.destroy());
    worker.on("error", () => {});
    master.on("error", () => {});
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  let masterPort = 0;
  let closed: Promise<string> | undefined;
  let err = "";
  const onListening = (port: number) => {
    masterPort = port;
    closed = startWorker({ host: "127.0.0.1", port: (proxy.address() as { port: number }).port, workDirectory }, { clock }).closed;
  };
  const code = await runFlow({ file: join(root, "w.mf"), target: "workers", port: 0, jobs: 1, progress: false, environment: {}, onListening }, { clock, random: Math.random, output: { out: () => {}, err: (text) => (err += text) } });
  assert.equal(code, 0, err);
  assert.equal(await closed, "the master finished");
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
  assert.ok(edited);
  assert.equal(readFileSync(join(root, "out"), "utf8"), `${sha256(Buffer.alloc(bytes, 2))}\n`);
  assertCacheTrue(join(workDirectory, "cache"));
});
