// A worker's --disk bounds the inputs its tasks hold together. The master keeps a pipeline window
// of tasks queued on each worker, and each holds its inputs there from the moment it arrives: a
// queued task's inputs sent while earlier tasks held theirs put the worker past its --disk, where
// it can no longer enforce it. So a task whose inputs do not fit beside those held waits on the
// master, in order, and goes (with its inputs) once tasks ending there leave room.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { FrameDecoder } from "@skein/net/wire";
import { waitFor } from "@skein/testkit";
import { temporaryDirectories } from "../../test/temporary.ts";
import type { TaskOutcome } from "../schedule/types.ts";
import type { Rule } from "../workflow.ts";
import { FileCatalog, type ShippedEntry } from "./file-catalog.ts";
import { decodeFrame, type Frame } from "./frames.ts";
import { InputHolds } from "./input-holds.ts";
import { OutputStaging } from "./output-staging.ts";
import { WorkerConnection } from "./worker-connection.ts";

const clock = realClock();
const temporary = temporaryDirectories("skein-input-holds-");
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

test("input holds: entries shared by tasks count once, and leave when the last task holding them is released", () => {
  const holds = new InputHolds();
  const entry = (name: string, fill: string, size: number): ShippedEntry => ({ name, hash: fill.repeat(64), mode: 0o644, path: `/m/${name}`, size });
  const [a, b] = [entry("a", "a", 400), entry("b", "b", 700)];
  assert.ok(holds.fits([a, b], 1_100), "nothing held: they fit alone");
  holds.hold(1, [a, { ...a, name: "a2" }]);
  holds.hold(2, [a]);
  assert.equal(holds.bytes, 400);
  assert.ok(holds.fits([a], 400), "held already: no more bytes");
  assert.ok(!holds.fits([b], 1_000), "400 held + 700");
  assert.ok(holds.fits([b, { ...b, name: "b2" }], 1_100), "the same entry twice counts once");
  holds.release(1);
  assert.ok(!holds.fits([b], 1_000), "task 2 still holds a");
  holds.release(2);
  holds.release(2); // twice: nothing more
  assert.equal(holds.bytes, 0);
  assert.ok(holds.fits([b], 1_000));
  holds.hold(3, [{ name: "d", hash: undefined, mode: undefined, path: "/m/d", size: 0 }, b]);
  assert.equal(holds.bytes, 700, "a directory holds nothing itself");
});

test("workers: a queued task whose inputs do not fit beside those the worker's tasks hold is not sent (nor its inputs) until they end; it waits, awaiting, in order with the tasks behind it that hold inputs; aborted meanwhile, it is never sent", { timeout: 30_000 }, async () => {
  const root = temporary();
  const [a, b] = [Buffer.alloc(400_000, 1), Buffer.alloc(700_000, 2)];
  writeFileSync(join(root, "a.in"), a);
  writeFileSync(join(root, "b.in"), b);
  const { connection, received, awaiting, running, close } = await peer(root, 1);
  const rule = (input?: string) => ({ sources: input ? [{ path: input, remoteName: input }] : [], targets: [], command: "true", environment: {}, resources: {} }) as unknown as Rule;
  const tasks = () => received.filter((frame) => frame.header.type === "task").map((frame) => [frame.header.task, frame.header.running === true]);
  const files = () => received.filter((frame) => frame.header.type === "file" && frame.header.last === true).map((frame) => frame.header.hash);
  const result = (task: number) => connection.frame({ header: { type: "result", task, exitCode: 0, signal: null, missing: [] }, payload: Buffer.alloc(0) });
  // 1 MB --disk: tasks 1 and 2 hold a.in (400 kB); task 3 needs b.in (700 kB): 1.1 MB together
  connection.start({ task: 1, rule: rule("a.in"), attempt: 1 });
  connection.start({ task: 2, rule: rule("a.in"), attempt: 1 });
  connection.start({ task: 3, rule: rule("b.in"), attempt: 1 });
  connection.start({ task: 4, rule: rule("a.in"), attempt: 1 }); // fits, but behind task 3
  connection.start({ task: 5, rule: rule("b.in"), attempt: 1 });
  connection.start({ task: 6, rule: rule(), attempt: 1 }); // holds nothing on the worker: it goes at once
  await waitFor(clock, () => tasks().length === 3 && awaiting.length === 6, 10_000, "tasks 1, 2 and 6 only, and every task awaiting");
  assert.deepEqual(files(), [sha256(a)], "b.in is not sent while tasks 1 and 2 hold a.in");
  assert.equal(connection.shippedBytes, a.length);
  connection.abort(5); // waiting: nothing of it is ever sent, nor an abort
  result(1);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(tasks(), [[1, true], [2, true], [6, true]], "task 2 still holds a.in");
  result(2);
  await waitFor(clock, () => tasks().length === 4, 10_000, "task 3");
  assert.deepEqual(files(), [sha256(a), sha256(b)]);
  assert.deepEqual(tasks()[3], [3, true], "it asks the worker to say when it runs");
  // task 4 needs a.in again beside b.in: 1.1 MB
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(tasks().length, 4, "task 4 waits for task 3");
  connection.frame({ header: { type: "running", task: 3 }, payload: Buffer.alloc(0) });
  assert.deepEqual(running, [3]);
  result(3);
  await waitFor(clock, () => tasks().length === 5, 10_000, "task 4");
  assert.deepEqual(tasks()[4], [4, true]);
  assert.equal(connection.shippedBytes, a.length + b.length, "a.in is on the worker still: not sent again");
  result(4);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(received.filter((frame) => frame.header.type === "abort").length, 0);
  assert.deepEqual(tasks().map(([task]) => task), [1, 2, 6, 3, 4]);
  await close();
});

/** A master's connection to a peer (a worker with `diskMb`, as far as the master knows): what it sends, and what its listener hears. */
async function peer(root: string, diskMb: number) {
  let other: Socket | undefined;
  const server = createServer((socket) => void (other = socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const socket = connect({ host: "127.0.0.1", port: (server.address() as { port: number }).port });
  await new Promise((resolve) => socket.once("connect", resolve));
  await waitFor(clock, () => other !== undefined, 10_000, "the connection");
  const info = { id: "worker-1", capacity: { cores: 2, memoryMb: 1, diskMb, gpus: 0 }, runsLocalRules: false, runsRemoteRules: true, fastAbort: true };
  const outcomes: Array<[number, TaskOutcome]> = [];
  const awaiting: number[] = [];
  const running: number[] = [];
  const listener = { joined: () => {}, left: () => {}, finished: (task: number, outcome: TaskOutcome) => void outcomes.push([task, outcome]), awaiting: (task: number) => void awaiting.push(task), running: (task: number) => void running.push(task) };
  const connection = new WorkerConnection(info, socket, new FileCatalog(), new OutputStaging(), root, listener, () => Buffer.alloc(0), () => {});
  connection.frame({ header: { type: "cached", entries: [] }, payload: Buffer.alloc(0) });
  const received: Frame[] = [];
  const decoder = new FrameDecoder(16 * 1024 * 1024);
  other!.on("data", (chunk: Buffer) => decoder.push(chunk, ({ body }) => received.push(decodeFrame(body))));
  const close = async () => {
    socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { connection, received, outcomes, awaiting, running, close };
}
