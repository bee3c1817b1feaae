// `skein worker --disk MB` bounds its input cache: entries no task holds leave it, the least
// recently used first, and a file larger than the whole cache is refused as it arrives; the task
// that needs it fails on that worker, saying so, instead of filling the disk.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { waitFor } from "@skein/testkit";
import { fakeMaster } from "../../test/fake-master.ts";
import { temporaryDirectories } from "../../test/temporary.ts";
import { cachedFileName } from "./file-modes.ts";
import { InputCache } from "./input-cache.ts";
import { runFlow } from "../run/run-flow.ts";
import { startWorker, type WorkerHandle } from "./worker.ts";

const clock = realClock();
const temporary = temporaryDirectories("skein-disk-bound-");
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
const file = (fill: number, bytes = 400) => Buffer.alloc(bytes, fill);
const entry = (content: Buffer) => cachedFileName(sha256(content), 0o644);

test("input cache: within its bytes, entries no task holds leave the least recently used first; a held one stays; a file larger than the cache is refused for good", () => {
  const root = temporary();
  const cache = new InputCache(join(root, "cache"), 1_000);
  const [a, b, c, d] = [file(1), file(2), file(3), file(4)];
  for (const content of [a, b]) cache.receive(sha256(content), 0o644, true, content);
  mkdirSync(join(root, "sandbox"));
  cache.place(1, [{ name: "a", hash: sha256(a), mode: 0o644 }], join(root, "sandbox")); // a: used, and held
  cache.receive(sha256(c), 0o644, true, c); // 1 200 bytes: b, the least recently used, leaves
  assert.deepEqual(readdirSync(cache.directory).sort(), [entry(a), entry(c)].sort());
  cache.receive(sha256(d), 0o644, true, d); // a is held: c leaves
  assert.deepEqual(readdirSync(cache.directory).sort(), [entry(a), entry(d)].sort());
  assert.deepEqual(cache.announced(), [entry(d), entry(a)]);
  const big = file(5, 1_001);
  assert.equal(cache.receive(sha256(big), 0o644, false, big.subarray(0, 600)), true);
  assert.equal(cache.receive(sha256(big), 0o644, true, big.subarray(600)), false);
  assert.deepEqual(cache.rejection(entry(big)), { reason: "it is 1001 bytes, more than this worker's --disk (1000 bytes)", final: true, resend: false });
  assert.deepEqual(readdirSync(cache.directory).sort(), [entry(a), entry(d)].sort(), "nothing of it kept");
});

test("workers: a task whose input is larger than the worker's --disk fails on that worker naming the input and the limit; the file is not kept, nor sent again for the next task", { timeout: 30_000 }, async () => {
  const big = file(7, 1_500_000);
  const hash = sha256(big);
  const task = (id: number) => ({ type: "task", task: id, command: "cat big > out", environment: {}, inputs: [{ name: "big", hash, mode: 0o644 }], outputs: ["out"] });
  const results: Array<Record<string, unknown>> = [];
  const master = await fakeMaster({
    opened: (send) => {
      send({ type: "file", hash, mode: 0o644, last: false }, big.subarray(0, 1_000_000));
      send({ type: "file", hash, mode: 0o644, last: true }, big.subarray(1_000_000));
      send(task(1));
      send(task(2));
    },
    frame: (frame, send) => {
      if (frame.header.type !== "result") return;
      results.push(frame.header);
      if (results.length === 2) send({ type: "bye" });
    },
  });
  const workDirectory = temporary();
  const worker = startWorker({ host: "127.0.0.1", port: master.port, diskMb: 1, workDirectory }, { clock });
  assert.equal(await worker.closed, "the master finished");
  await master.close();
  for (const [i, result] of results.entries()) {
    assert.equal(result.task, i + 1);
    assert.equal(result.lost, "input 'big' was not cached: it is 1.5 MB, more than this worker's --disk (1 MB)");
    assert.equal(result.dropped, undefined);
    assert.equal(result.elsewhere, true, "another worker may run it");
  }
  assert.deepEqual(readdirSync(join(workDirectory, "cache")), []);
});

test("input cache: a file that cannot be written (a full disk) is refused for good with the error, and nothing of it is kept; the worker goes on", () => {
  const cache = new InputCache(join(temporary(), "cache"));
  const content = file(6);
  const name = entry(content);
  cache.receive(sha256(content), 0o644, false, content.subarray(0, 100));
  const part = join(cache.directory, `${name}.part`);
  rmSync(part);
  symlinkSync("/dev/full", part); // every write: ENOSPC
  assert.equal(cache.receive(sha256(content), 0o644, true, content.subarray(100)), false);
  assert.deepEqual(cache.rejection(name), { reason: "it cannot be written to this worker's cache (ENOSPC)", final: true, resend: true });
  assert.deepEqual(readdirSync(cache.directory), []);
  assert.equal(cache.receive(sha256(content), 0o644, true, content), true, "sent again once there is room");
});

test("workers: a task whose sandbox cannot be made (inputs 'a' and 'a/b') fails on that worker naming why; the connection and the next task go on", { timeout: 30_000 }, async () => {
  const content = file(8, 10);
  const input = (name: string) => ({ name, hash: sha256(content), mode: 0o644 });
  const results: Array<Record<string, unknown>> = [];
  const master = await fakeMaster({
    opened: (send) => {
      send({ type: "file", hash: sha256(content), mode: 0o644, last: true }, content);
      send({ type: "task", task: 1, command: "true", environment: {}, inputs: [input("a"), input("a/b")], outputs: [] });
      send({ type: "task", task: 2, command: "cat a > out", environment: {}, inputs: [input("a")], outputs: ["out"] });
    },
    frame: (frame, send) => {
      if (frame.header.type !== "result") return;
      results.push({ ...frame.header, payload: frame.payload.length });
      if (results.length === 2) send({ type: "bye" });
    },
  });
  const worker = startWorker({ host: "127.0.0.1", port: master.port, workDirectory: temporary() }, { clock });
  assert.equal(await worker.closed, "the master finished");
  await master.close();
  assert.match(String(results[0]!.lost), /^cannot prepare its sandbox \(E[A-Z]+\)$/);
  assert.deepEqual([results[1]!.task, results[1]!.exitCode, results[1]!.payload], [2, 0, 10]);
});

test("workers: a task whose inputs together are larger than one worker's --disk is not placed there (never reported running there) but runs on another worker that has room; the run succeeds", { timeout: 60_000 }, async () => {
  const root = temporary();
  writeFileSync(join(root, "a.in"), file(9, 600_000));
  writeFileSync(join(root, "b.in"), file(10, 600_000));
  // `go` holds `x` back until both workers are connected, so that `x` is placed on the small one first
  writeFileSync(join(root, "w.mf"), `go:\n\twhile [ ! -e ${join(root, "both")} ]; do sleep 0.02; done; touch go\n\nx: a.in b.in go\n\tcat a.in b.in | wc -c > x\n`);
  const workers: WorkerHandle[] = [];
  const logs: string[][] = [[], []];
  let out = "";
  const onListening = async (port: number) => {
    workers.push(startWorker({ host: "127.0.0.1", port, diskMb: 1, workDirectory: temporary(), log: (line) => logs[0]!.push(line) }, { clock }));
    await waitFor(clock, () => logs[0]!.includes("connected to the master"), 20_000, "the small worker");
    workers.push(startWorker({ host: "127.0.0.1", port, workDirectory: temporary(), log: (line) => logs[1]!.push(line) }, { clock }));
    await waitFor(clock, () => logs[1]!.includes("connected to the master"), 20_000, "the large worker");
    writeFileSync(join(root, "both"), "");
  };
  const code = await runFlow({ file: join(root, "w.mf"), target: "workers", port: 0, jobs: 1, progress: false, environment: {}, json: true, onListening: (port) => void onListening(port) }, { clock, random: Math.random, output: { out: (text) => (out += text), err: (text) => (out += text) } });
  assert.equal(code, 0, out);
  assert.equal(readFileSync(join(root, "x"), "utf8").trim(), "1200000");
  assert.ok(existsSync(join(root, "go")));
  // the master finds before placing it that worker-1's --disk cannot hold its inputs: never reported running there
  assert.doesNotMatch(out, /"target":"x","state":"(running|started)","attempt":\d+,"executorId":"worker-1"/);
  assert.match(out, /"target":"x","state":"done","attempt":\d+,"executorId":"worker-2"/);
  assert.deepEqual(await Promise.all(workers.map((worker) => worker.closed)), ["the master finished", "the master finished"]);
});

test("workers: with only a worker whose --disk cannot hold a task's inputs together, the task waits, said once (stalled), nothing sent there, and runs on a larger worker as it joins", { timeout: 60_000 }, async () => {
  const root = temporary();
  writeFileSync(join(root, "a.in"), file(11, 600_000));
  writeFileSync(join(root, "b.in"), file(12, 600_000));
  writeFileSync(join(root, "w.mf"), "x: a.in b.in\n\tcat a.in b.in | wc -c > x\n");
  const workers: WorkerHandle[] = [];
  let out = "";
  let err = "";
  const said = `skein flow: rule 'x' (${join(root, "w.mf")}:1:1) waits for a worker with a larger --disk: its inputs take 1.2 MB together, more than worker-1's --disk (1 MB); the largest connected is worker-1's (1 MB)\n`;
  const onListening = async (port: number) => {
    workers.push(startWorker({ host: "127.0.0.1", port, diskMb: 1, workDirectory: temporary() }, { clock }));
    // the larger worker joins only once the run said the task waits
    await waitFor(clock, () => err.includes(said), 20_000, `the stalled message, in: ${err}`);
    workers.push(startWorker({ host: "127.0.0.1", port, diskMb: 2, workDirectory: temporary() }, { clock }));
  };
  const code = await runFlow({ file: join(root, "w.mf"), target: "workers", port: 0, jobs: 1, progress: false, environment: {}, json: true, onListening: (port) => void onListening(port) }, { clock, random: Math.random, output: { out: (text) => (out += text), err: (text) => (err += text) } });
  assert.equal(code, 0, err);
  assert.equal(readFileSync(join(root, "x"), "utf8").trim(), "1200000");
  assert.equal(err.split(said).length, 2, `said once: ${err}`);
  assert.match(out, /"target":"x","state":"stalled","reason":"waits for a worker with a larger --disk: its inputs take 1\.2 MB together, more than worker-1's --disk \(1 MB\); the largest connected is worker-1's \(1 MB\)"/);
  assert.match(out, /"target":"x","state":"done","attempt":\d+,"executorId":"worker-2"/);
  assert.doesNotMatch(out, /"target":"x","state":"(running|started)","attempt":\d+,"executorId":"worker-1"/);
  assert.deepEqual(await Promise.all(workers.map((worker) => worker.closed)), ["the master finished", "the master finished"]);
  assert.equal(workers[0]!.filesReceived(), 0);
});
