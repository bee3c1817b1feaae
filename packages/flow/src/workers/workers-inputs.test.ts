// Inputs stay pristine per task on a worker, although sandboxes hard-link them from its cache: a
// task that writes to or chmods its input changes nothing any other task sees (as with Work
// Queue, and as the master's own file stays), and the changed entry crosses again when needed.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { fakeMaster } from "../../test/fake-master.ts";
import { temporaryDirectories } from "../../test/temporary.ts";
import { runFlow } from "../run/run-flow.ts";
import { cachedFileName } from "./file-modes.ts";
import { encodeFrame, FlowWire } from "./frames.ts";
import { InputCache } from "./input-cache.ts";
import { startWorker, type WorkerHandle } from "./worker.ts";
import { inputRerunsMax } from "./worker-connection.ts";

const clock = realClock();
const temporary = temporaryDirectories("skein-workers-inputs-");

interface Run {
  readonly code: number;
  readonly err: string;
  readonly log: string[];
  readonly worker: WorkerHandle | undefined;
}

/** Runs `root/w.mf` locally, or on one in-process worker of `cores` cores (after `before`, if given). */
async function run(root: string, target: "local" | "workers", cores = 1, before?: (port: number) => void): Promise<Run> {
  let err = "";
  const log: string[] = [];
  let worker: WorkerHandle | undefined;
  const onListening = (port: number) => {
    if (before) before(port);
    else worker = startWorker({ host: "127.0.0.1", port, cores, workDirectory: temporary(), log: (line) => log.push(line) }, { clock });
  };
  const output = { out: () => {}, err: (text: string) => (err += text) };
  const code = await runFlow({ file: join(root, "w.mf"), target, port: 0, jobs: 1, progress: false, environment: {}, onListening }, { clock, random: Math.random, output });
  if (worker) assert.equal(await worker.closed, "the master finished");
  return { code, err, log, worker };
}

/** A fresh directory with `w.mf` and `in.txt` ("orig"). */
function workflow(rules: string[]): string {
  const root = temporary();
  writeFileSync(join(root, "w.mf"), `${rules.join("\n")}\n`);
  writeFileSync(join(root, "in.txt"), "orig\n");
  return root;
}

const read = (root: string, names: string[]) => Object.fromEntries(names.map((name) => [name, readFileSync(join(root, name), "utf8")]));

test("workers: a task appends to its input, then the next task on that worker sees the input as on the master; the changed entry crosses again; the outputs equal a local run's in which the appending task runs last", async () => {
  const appends = "echo more >> in.txt; cat in.txt > a";
  const remote = workflow([`a: in.txt\n\t${appends}`, "b: in.txt a\n\tcat in.txt > b"]);
  const result = await run(remote, "workers");
  assert.equal(result.code, 0, result.err);
  // run here, the command appends to the workflow's own in.txt: the task reading it goes first
  const local = workflow(["b: in.txt\n\tcat in.txt > b", `a: in.txt b\n\t${appends}`]);
  assert.equal((await run(local, "local")).code, 0);
  assert.deepEqual(read(remote, ["a", "b"]), read(local, ["a", "b"]));
  assert.deepEqual(read(remote, ["a", "b", "in.txt"]), { a: "orig\nmore\n", b: "orig\n", "in.txt": "orig\n" });
  assert.equal(result.worker!.filesReceived(), 3, "in.txt twice (again after the first task changed it), and a");
  assert.match(result.log.join("\n"), /task \d+ changed its input in\.txt in place: dropped from the cache/);
});

for (const cores of [1, 4]) {
  const how = cores === 1 ? "queued behind it on one core" : `running beside it on ${cores} cores`;
  test(`workers: tasks holding an input when another task appends to it (${how}) run again, and every one sees the input as on the master`, async () => {
    const readers = Array.from({ length: 4 }, (_, i) => `b${i}`);
    const root = workflow(["a: in.txt\n\techo more >> in.txt; cat in.txt > a", ...readers.map((b) => `${b}: in.txt\n\tcat in.txt > ${b}`)]);
    const result = await run(root, "workers", cores);
    assert.equal(result.code, 0, result.err);
    assert.deepEqual(read(root, ["a", ...readers, "in.txt"]), { a: "orig\nmore\n", b0: "orig\n", b1: "orig\n", b2: "orig\n", b3: "orig\n", "in.txt": "orig\n" });
    assert.equal(result.worker!.filesReceived(), 2, "in.txt crossed once more, not once per task run again");
    assert.match(result.log.join("\n"), /task \d+: its input in\.txt changed in place while another task held it too: dropped from the cache, and the task runs again/);
  });
}

test("workers: a task that chmods an executable input leaves it executable for the next task", async () => {
  const root = workflow(["c: prog.sh\n\tchmod 600 prog.sh; touch c", "d: prog.sh c\n\t./prog.sh > d"]);
  writeFileSync(join(root, "prog.sh"), "#!/bin/sh\necho ran\n");
  chmodSync(join(root, "prog.sh"), 0o755);
  const result = await run(root, "workers");
  assert.equal(result.code, 0, result.err);
  assert.equal(readFileSync(join(root, "d"), "utf8"), "ran\n");
  assert.equal(statSync(join(root, "prog.sh")).mode & 0o777, 0o755);
});

test("workers: a task that replaces its input (sed -i) leaves the cache entry as it was: nothing crosses again", async () => {
  const root = workflow(["e: in.txt\n\tsed -i s/orig/new/ in.txt; cat in.txt > e", "f: in.txt e\n\tcat in.txt > f"]);
  const result = await run(root, "workers");
  assert.equal(result.code, 0, result.err);
  assert.deepEqual(read(root, ["e", "f", "in.txt"]), { e: "new\n", f: "orig\n", "in.txt": "orig\n" });
  assert.equal(result.worker!.filesReceived(), 2, "in.txt and e, once each");
});

test("workers: a worker answers a task whose input it no longer has with rerun and the entry; it runs the task once it has the file again", async () => {
  const hash = createHash("sha256").update("orig\n").digest("hex");
  const task = { type: "task", task: 1, command: "cat in.txt > out", environment: {}, inputs: [{ name: "in.txt", hash, mode: 0o644 }], outputs: ["out"] };
  const results: Array<Record<string, unknown>> = [];
  const master = await fakeMaster({
    opened: (send) => send(task),
    frame: (frame, send) => {
      if (frame.header.type !== "result") return;
      results.push({ ...frame.header, payload: frame.payload.toString() });
      if (results.length === 1) {
        send({ type: "file", hash, mode: 0o644, last: true }, Buffer.from("orig\n"));
        send(task);
      } else send({ type: "bye" });
    },
  });
  const worker = startWorker({ host: "127.0.0.1", port: master.port, workDirectory: temporary() }, { clock });
  assert.equal(await worker.closed, "the master finished");
  await master.close();
  assert.deepEqual(results[0], { type: "result", task: 1, rerun: "inputs missing", dropped: [cachedFileName(hash, 0o644)], payload: "" });
  assert.deepEqual([results[1]?.exitCode, results[1]?.payload], [0, "orig\n"]);
});

/** A worker that answers every task with `answer`, counting the frames it gets; `closed` once its connection closes. */
function liar(port: number, answer: () => Record<string, unknown>, closed: () => void): Map<string, number> {
  const frames = new Map<string, number>();
  const socket = connect({ host: "127.0.0.1", port });
  const wire = new FlowWire(socket, { role: "connector", self: "liar", password: undefined, info: { cores: 1 } }, {
    opened: () => socket.write(encodeFrame({ type: "cached", entries: [] })),
    frame: ({ header }) => {
      frames.set(header.type, (frames.get(header.type) ?? 0) + 1);
      if (header.type === "task") socket.write(encodeFrame({ type: "result", task: header.task, ...answer() }));
    },
  });
  socket.on("data", (chunk: Buffer) => wire.push(chunk));
  socket.on("close", closed);
  return frames;
}

const inName = cachedFileName(createHash("sha256").update("orig\n").digest("hex"), 0o644);

test(`workers: the master sends a task, with the input the worker dropped, again at most ${inputRerunsMax} times; then the task fails`, async () => {
  const root = workflow(["out: in.txt\n\tcat in.txt > out"]);
  let frames = new Map<string, number>();
  const result = await run(root, "workers", 1, (port) => {
    frames = liar(port, () => ({ rerun: "inputs missing", dropped: [inName] }), () => {});
  });
  assert.equal(result.code, 1);
  assert.match(result.err, new RegExp(`out: failed: the worker asked to run it again ${inputRerunsMax + 1} times \\(inputs missing\\)`));
  assert.deepEqual([frames.get("task"), frames.get("file")], [inputRerunsMax + 1, inputRerunsMax + 1]);
});

test("workers: the master drops a worker whose result names a dropped entry that is not its task's input; another worker completes the run", async () => {
  const root = workflow(["out: in.txt\n\tcat in.txt > out"]);
  const stranger = cachedFileName("0".repeat(64), 0o644);
  const result = await run(root, "workers", 1, (port) => {
    liar(port, () => ({ exitCode: 0, signal: null, missing: [], dropped: [stranger] }), () => void startWorker({ host: "127.0.0.1", port, workDirectory: temporary() }, { clock }));
  });
  assert.equal(result.code, 0, result.err);
  assert.match(result.err, /worker-1 left \(protocol error: bad dropped inputs[^)]*\)/);
  assert.equal(readFileSync(join(root, "out"), "utf8"), "orig\n");
});

test("workers: a task whose frame would pass the frame limit (a directory input of thousands of long names) fails naming why, once; its worker is not dropped", { timeout: 30_000 }, async () => {
  const root = temporary();
  // 2 300 files whose names in the sandbox are about 3 900 bytes long: about 9 MB of names
  let deep = join(root, "many");
  for (let level = 0; level < 15; level++) deep = join(deep, `${String(level).padStart(3, "0")}${"d".repeat(240)}`);
  mkdirSync(deep, { recursive: true });
  for (let i = 0; i < 2_300; i++) writeFileSync(join(deep, `${String(i).padStart(5, "0")}${"f".repeat(200)}`), "");
  writeFileSync(join(root, "w.mf"), "out: many\n\tfind many -type f | wc -l > out\n");
  let closed: Promise<string> | undefined;
  let err = "";
  const code = await runFlow(
    { file: join(root, "w.mf"), target: "workers", port: 0, jobs: 1, progress: false, environment: {}, retryCount: 2, onListening: (port) => void (closed = startWorker({ host: "127.0.0.1", port, workDirectory: temporary() }, { clock }).closed) },
    { clock, random: Math.random, output: { out: () => {}, err: (text) => (err += text) } },
  );
  assert.equal(code, 1, err);
  assert.match(err, /out: failed: its task frame \(command, environment and 2316 input names\) would take 8\.\d MiB, more than the 8\.0 MiB a frame may have/);
  assert.doesNotMatch(err, /left|lost|retry/);
  assert.match(await closed!, /^the master finished: the workflow failed \(rule 'out' \(.*w\.mf:1:1\) failed: its task frame .* would take 8\.\d MiB/);
});

test("workers: after a reconnection (a restarted master), the worker announces the inputs it still holds and runs a task on them unsent; an input a task changed in place on the first connection is not announced, and reaches the next task as the master sent it", { timeout: 30_000 }, async () => {
  const hash = createHash("sha256").update("orig\n").digest("hex");
  const keptHash = createHash("sha256").update("kept\n").digest("hex");
  const input = { name: "in.txt", hash, mode: 0o644 };
  const kept = { name: "kept.txt", hash: keptHash, mode: 0o644 };
  const task = (id: number, command: string, inputs: object[]) => ({ type: "task", task: id, command, environment: {}, inputs, outputs: ["out"] });
  const results: Array<Record<string, unknown>> = [];
  const listings: unknown[] = [];
  // the first connection: both files, then a task that appends to in.txt in place; the second:
  // in.txt again (the worker dropped it), then a task reading both, without kept.txt's bytes
  let connection = 0;
  const master = await fakeMaster({
    opened: (send) => {
      if (++connection === 1) {
        send({ type: "file", hash, mode: 0o644, last: true }, Buffer.from("orig\n"));
        send({ type: "file", hash: keptHash, mode: 0o644, last: true }, Buffer.from("kept\n"));
        send(task(1, "echo changed >> in.txt; cat in.txt > out", [input, kept]));
      } else {
        send({ type: "file", hash, mode: 0o644, last: true }, Buffer.from("orig\n"));
        send(task(1, "cat in.txt kept.txt > out", [input, kept]));
      }
    },
    frame: (frame, send) => {
      if (frame.header.type === "cached") listings.push(frame.header.entries);
      if (frame.header.type !== "result") return;
      results.push({ ...frame.header, payload: frame.payload.toString() });
      send({ type: "bye", ...(results.length === 1 ? { stopped: "interrupted by SIGINT" } : {}) });
    },
  });
  const workDirectory = temporary();
  const cache = new InputCache(join(workDirectory, "cache"));
  for (const ending of ["the master stopped (interrupted by SIGINT)", "the master finished"]) {
    const worker = startWorker({ host: "127.0.0.1", port: master.port, workDirectory }, { clock, cache });
    assert.equal(await worker.closed, ending);
  }
  await master.close();
  assert.deepEqual(listings, [[], [cachedFileName(keptHash, 0o644)]], "the changed in.txt left the cache; kept.txt stayed");
  assert.deepEqual(results.map((result) => [result.exitCode, result.payload]), [[0, "orig\nchanged\n"], [0, "orig\nkept\n"]]);
  assert.equal(cache.filesReceived, 3, "in.txt twice, kept.txt once");
});
