// Wire version 5's fields, frame by frame on each side (the end-to-end tests run them only as a
// whole): the worker's `cached` listing, the `running` frame a task sent behind input bytes asks
// for, and the command's `durationMs` in a result. The master's side is one WorkerConnection on
// a loopback socket whose frames the test reads; the worker's side is a real worker against the
// fake master.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { FrameDecoder } from "@skein/net/wire";
import { waitFor } from "@skein/testkit";
import { fakeMaster } from "../../test/fake-master.ts";
import { temporaryDirectories } from "../../test/temporary.ts";
import type { TaskOutcome } from "../schedule/types.ts";
import type { Rule } from "../workflow.ts";
import { FileCatalog } from "./file-catalog.ts";
import { cachedFileName } from "./file-modes.ts";
import { decodeFrame, type Frame } from "./frames.ts";
import { cachedAnnouncedMax, InputCache } from "./input-cache.ts";
import { OutputStaging } from "./output-staging.ts";
import { startWorker } from "./worker.ts";
import { WorkerConnection } from "./worker-connection.ts";

const clock = realClock();
const temporary = temporaryDirectories("skein-wire-v5-");
const sha256 = (bytes: string) => createHash("sha256").update(bytes).digest("hex");
const frame = (header: Frame["header"]): Frame => ({ header, payload: Buffer.alloc(0) });

/** A master's connection to a worker the test plays: the frames it sends, and what its listener hears. */
async function masterSide(t: { after: (f: () => Promise<void>) => void }, root: string) {
  let peer: Socket | undefined;
  const server = createServer((socket) => void (peer = socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const socket = connect({ host: "127.0.0.1", port: (server.address() as { port: number }).port });
  await new Promise((resolve) => socket.once("connect", resolve));
  await waitFor(clock, () => peer !== undefined, 10_000, "the connection");
  const heard: string[] = [];
  const outcomes = new Map<number, TaskOutcome>();
  const listener = {
    joined: () => {},
    left: () => {},
    finished: (task: number, outcome: TaskOutcome) => void outcomes.set(task, outcome),
    awaiting: (task: number) => void heard.push(`awaiting ${task}`),
    running: (task: number) => void heard.push(`running ${task}`),
  };
  const info = { id: "worker-1", capacity: { cores: 1, memoryMb: 1, diskMb: 1_000_000, gpus: 0 }, runsLocalRules: false, runsRemoteRules: true, fastAbort: true };
  const connection = new WorkerConnection(info, socket, new FileCatalog(), new OutputStaging(), root, listener, () => Buffer.alloc(0), () => {});
  const received: Frame[] = [];
  const decoder = new FrameDecoder(16 * 1024 * 1024);
  peer!.on("data", (chunk: Buffer) => decoder.push(chunk, ({ body }) => received.push(decodeFrame(body))));
  t.after(async () => {
    socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  /** Starts task `task` reading `sources` (no outputs) and returns its frame as the worker got it. */
  const start = async (task: number, sources: string[]) => {
    const rule = { sources: sources.map((path) => ({ path, remoteName: path })), targets: [], command: "true", environment: {}, resources: {} } as unknown as Rule;
    connection.start({ task, rule, attempt: 1 });
    await waitFor(clock, () => received.some((f) => f.header.type === "task" && f.header.task === task), 10_000, `task ${task}'s frame`);
    await Promise.resolve(); // the listener hears of awaiting tasks at the end of the turn
    return received.find((f) => f.header.type === "task" && f.header.task === task)!.header;
  };
  const files = () => received.filter((f) => f.header.type === "file").map((f) => f.payload.toString());
  return { connection, start, files, heard, outcomes };
}

test("wire v5, master: inputs a worker names in its `cached` listing are not sent, and a task on them asks no `running` frame; unlisted, they are, and it does", async (t) => {
  const root = temporary();
  writeFileSync(join(root, "in.txt"), "held\n");
  const entry = cachedFileName(sha256("held\n"), 0o644);
  const listed = await masterSide(t, root);
  assert.equal(listed.connection.frame(frame({ type: "cached", entries: [entry] })), undefined);
  const sent = await listed.start(1, ["in.txt"]);
  assert.deepEqual(listed.files(), [], "nothing crossed");
  assert.equal(sent.running, undefined);
  assert.deepEqual(sent.inputs, [{ name: "in.txt", hash: sha256("held\n"), mode: 0o644 }]);
  assert.deepEqual(listed.heard, []);
  const unlisted = await masterSide(t, root);
  assert.equal(unlisted.connection.frame(frame({ type: "cached", entries: [] })), undefined);
  assert.equal((await unlisted.start(1, ["in.txt"])).running, true);
  assert.deepEqual(unlisted.files(), ["held\n"]);
  assert.deepEqual(unlisted.heard, ["awaiting 1"]);
});

test(`wire v5, master: a \`cached\` listing of up to ${cachedAnnouncedMax} entry names is taken; more, a second listing, or an entry that is not <sha256>.<mode> is refused, naming it`, async (t) => {
  const root = temporary();
  const name = (n: number) => cachedFileName(sha256(String(n)), 0o644);
  const listing = async (entries: unknown) => (await masterSide(t, root)).connection.frame(frame({ type: "cached", entries }));
  assert.equal(await listing(Array.from({ length: cachedAnnouncedMax }, (_, n) => name(n))), undefined);
  assert.equal(await listing(Array.from({ length: cachedAnnouncedMax + 1 }, (_, n) => name(n))), `bad cache listing: ${cachedAnnouncedMax + 1} entries, more than ${cachedAnnouncedMax}`);
  assert.equal(await listing("x"), "bad cache listing: its entries are not a list");
  assert.equal(await listing(undefined), "bad cache listing: its entries are not a list");
  for (const [bad, named] of [
    ["abc", '"abc"'],
    [`${sha256("x")}.0644`, `"${sha256("x")}.0644"`],
    [`${sha256("x").toUpperCase()}.644`, `"${sha256("x").toUpperCase()}.644"`],
    [`${sha256("x")}.648`, `"${sha256("x")}.648"`],
    [`../${sha256("x")}.644`, `"../${sha256("x")}.644"`],
    ["y".repeat(10_000), `"${"y".repeat(80)}…"`],
    [7, "a number"],
    [null, "null"],
    [{}, "a object"],
  ] as const) {
    assert.equal(await listing([name(1), bad, name(2)]), `bad cache listing: entry 2, ${named}, is not <sha256>.<mode>`);
  }
  const twice = await masterSide(t, root);
  assert.equal(twice.connection.frame(frame({ type: "cached", entries: [] })), undefined);
  assert.equal(twice.connection.frame(frame({ type: "cached", entries: [] })), "a second cache listing");
});

test("wire v5, master: a task sent behind input bytes is awaiting until its `running` frame, heard once; a later task on inputs the worker has shown it holds asks none, and a `running` for it is ignored", async (t) => {
  const root = temporary();
  writeFileSync(join(root, "in.txt"), "in\n");
  const { connection, start, heard } = await masterSide(t, root);
  connection.frame(frame({ type: "cached", entries: [] }));
  assert.equal((await start(1, ["in.txt"])).running, true);
  assert.deepEqual(heard, ["awaiting 1"]);
  assert.equal(connection.frame(frame({ type: "running", task: 1 })), undefined);
  assert.equal(connection.frame(frame({ type: "running", task: 1 })), undefined);
  assert.deepEqual(heard, ["awaiting 1", "running 1"], "heard once");
  // the worker reported on task 1, sent after in.txt: it has in.txt
  assert.equal((await start(2, ["in.txt"])).running, undefined);
  assert.equal(connection.frame(frame({ type: "running", task: 2 })), undefined);
  assert.equal(connection.frame(frame({ type: "running", task: 99 })), undefined, "an aborted or unknown task's frame is dropped");
  assert.deepEqual(heard, ["awaiting 1", "running 1"]);
});

test("wire v5, master: a result's `durationMs` reaches the outcome when it is a finite number >= 0, on success and failure alike; anything else is left out", async (t) => {
  const root = temporary();
  const { connection, start, outcomes } = await masterSide(t, root);
  connection.frame(frame({ type: "cached", entries: [] }));
  const results: Array<[Record<string, unknown>, TaskOutcome]> = [
    [{ exitCode: 0, durationMs: 1234.5 }, { ok: true, durationMs: 1234.5 }],
    [{ exitCode: 0, durationMs: 0 }, { ok: true, durationMs: 0 }],
    [{ exitCode: 2, durationMs: 40 }, { ok: false, reason: "exit code 2", durationMs: 40 }],
    [{ exitCode: 0, durationMs: -1 }, { ok: true }],
    [{ exitCode: 0, durationMs: Number.NaN }, { ok: true }],
    [{ exitCode: 0, durationMs: Number.POSITIVE_INFINITY }, { ok: true }],
    [{ exitCode: 0, durationMs: "12" }, { ok: true }],
    [{ exitCode: 0 }, { ok: true }],
  ];
  for (const [index, [result]] of results.entries()) {
    await start(index + 1, []);
    assert.equal(connection.frame(frame({ type: "result", task: index + 1, signal: null, missing: [], ...result })), undefined);
  }
  assert.deepEqual(results.map((_, index) => outcomes.get(index + 1)), results.map(([, outcome]) => outcome));
});

test("wire v5, worker: it first lists the cache entries it holds; says `running` for a task that asks, once its inputs are in place and before its result, which carries the command's durationMs; says nothing for a task that does not ask, nor for one whose inputs are missing", { timeout: 30_000 }, async () => {
  const workDirectory = temporary();
  const cache = new InputCache(join(workDirectory, "cache"));
  const hash = sha256("held\n");
  cache.receive(hash, 0o644, true, Buffer.from("held\n"));
  const held = { name: "in.txt", hash, mode: 0o644 };
  const absent = { name: "gone.txt", hash: sha256("gone\n"), mode: 0o644 };
  const task = (id: number, inputs: object[], running?: true) => ({ type: "task", task: id, command: "sleep 0.05; cat in.txt", environment: {}, inputs, outputs: [], ...(running ? { running } : {}) });
  const seen: Array<Record<string, unknown>> = [];
  const master = await fakeMaster({
    opened: (send) => {
      send(task(1, [held], true));
      send(task(2, [held]));
      send(task(3, [held, absent], true));
    },
    frame: (got, send) => {
      seen.push(got.header);
      if (seen.filter((header) => header.type === "result").length === 3) send({ type: "bye" });
    },
  });
  const worker = startWorker({ host: "127.0.0.1", port: master.port, workDirectory, cores: 3 }, { clock, cache });
  assert.equal(await worker.closed, "the master finished");
  await master.close();
  const heartbeatless = seen.filter((header) => header.type !== "heartbeat");
  assert.deepEqual(heartbeatless[0], { type: "cached", entries: [cachedFileName(hash, 0o644)] }, "the listing comes first");
  const of = (id: number) => heartbeatless.filter((header) => header.task === id).map((header) => header.type === "result" ? (header.rerun ? "rerun" : "result") : header.type);
  assert.deepEqual(of(1), ["running", "result"]);
  assert.deepEqual(of(2), ["result"]);
  assert.deepEqual(of(3), ["rerun"]);
  for (const id of [1, 2]) {
    const result = heartbeatless.find((header) => header.type === "result" && header.task === id)!;
    assert.equal(result.exitCode, 0);
    assert.ok(typeof result.durationMs === "number" && result.durationMs >= 40 && result.durationMs < 10_000, `task ${id}: durationMs ${String(result.durationMs)}`);
  }
});
