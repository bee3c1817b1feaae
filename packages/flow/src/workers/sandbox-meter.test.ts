// What a task writes in its sandbox, and private copies of its inputs, count against the
// worker's --disk, as its captured output does: a task filling the disk is killed, saying why.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { killedForDiskThenNext } from "../../test/over-disk.ts";
import { temporaryDirectories } from "../../test/temporary.ts";
import { runFlow } from "../run/run-flow.ts";
import { checkCaptures } from "./capture-watch.ts";
import { InputCache } from "./input-cache.ts";
import { SandboxMeter } from "./sandbox-meter.ts";
import { startWorker } from "./worker.ts";

const clock = realClock();
const temporary = temporaryDirectories("skein-sandbox-meter-");
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

test("sandbox meter: files a task wrote count by their blocks, links to cache entries do not, and a walk takes at most the entries it is given per check", () => {
  const root = temporary();
  const cache = new InputCache(join(root, "cache"), 10_000_000);
  const input = Buffer.alloc(500_000, 1);
  cache.receive(sha256(input), 0o644, true, input);
  const sandbox = join(root, "sandbox");
  mkdirSync(sandbox);
  assert.equal(cache.place(1, [{ name: "in", hash: sha256(input), mode: 0o644 }], sandbox), 0, "a link: no private copy");
  const meter = new SandboxMeter((ino) => cache.isEntryInode(ino));
  meter.start(1, sandbox, 0);
  mkdirSync(join(sandbox, "d/e"), { recursive: true });
  for (let i = 0; i < 10; i++) writeFileSync(join(sandbox, "d/e", `f${i}`), Buffer.alloc(100_000, 2));
  meter.measure(4);
  const early = meter.bytes(1);
  assert.ok(early < 1_000_000, `4 entries looked at, not all: ${early}`);
  for (let i = 0; i < 10; i++) meter.measure(4);
  const bytes = meter.bytes(1);
  assert.ok(bytes >= 1_000_000 && bytes < 1_200_000, `the ten files, not the input: ${bytes}`);
  assert.equal(meter.stop(1), bytes);
  assert.equal(meter.bytes(1), 0);
});

test("sandbox meter: private copies of inputs a task changed in place count from when they are made", () => {
  const root = temporary();
  const cache = new InputCache(join(root, "cache"), 10_000_000);
  const input = Buffer.alloc(300_000, 1);
  const inputs = [{ name: "in", hash: sha256(input), mode: 0o644 }];
  cache.receive(sha256(input), 0o644, true, input);
  mkdirSync(join(root, "s1"));
  cache.place(1, inputs, join(root, "s1"));
  appendFileSync(join(root, "s1", "in"), "changed"); // the task writes to its input in place
  cache.release(1);
  cache.receive(sha256(input), 0o644, true, input); // the master sends it again
  mkdirSync(join(root, "s2"));
  const copied = cache.place(2, inputs, join(root, "s2"));
  assert.equal(copied, 300_000, "later tasks get a private copy");
  const meter = new SandboxMeter((ino) => cache.isEntryInode(ino));
  meter.start(2, join(root, "s2"), copied);
  assert.equal(meter.bytes(2), 300_000, "before any walk");
});

test("capture check: a task whose sandbox passes what --disk leaves is killed naming its sandbox's size (and its output's, when it printed too)", () => {
  const root = temporary();
  const cache = new InputCache(join(root, "cache"), 1_000_000);
  writeFileSync(join(root, "c1"), Buffer.alloc(1_000));
  writeFileSync(join(root, "c2"), "");
  const sandboxBytes = new Map([[1, 2_000_000], [2, 5_000]]);
  const killed: string[] = [];
  checkCaptures({ clock, cache, keptBytes: () => 0, captures: () => [[1, join(root, "c1")], [2, join(root, "c2")]], sandboxes: { measure: () => {}, bytes: (task) => sandboxBytes.get(task) ?? 0 }, overDisk: (task, reason) => void killed.push(`${task}: ${reason}`) });
  assert.deepEqual(killed, ["1: the files in its sandbox (what it wrote there, and private copies of its inputs), 2 MB, and its output (stdout and stderr), 1000 bytes, reached 2 MB together, more than this worker's --disk (1 MB): killed"]);
  killed.length = 0;
  writeFileSync(join(root, "c1"), "");
  checkCaptures({ clock, cache, keptBytes: () => 0, captures: () => [[1, join(root, "c1")]], sandboxes: { measure: () => {}, bytes: () => 1_500_000 }, overDisk: (task, reason) => void killed.push(`${task}: ${reason}`) });
  assert.deepEqual(killed, ["1: the files in its sandbox (what it wrote there, and private copies of its inputs) reached 1.5 MB, more than this worker's --disk (1 MB): killed"]);
});

test("worker: a task writing past --disk in its sandbox is killed and fails saying so, and the worker runs the next task", { timeout: 30_000 }, async (t) => {
  await killedForDiskThenNext(t, temporary(), "while :; do head -c 200000 /dev/zero >> scratch; sleep 0.02; done", String.raw`the files in its sandbox \(what it wrote there, and private copies of its inputs\)`);
});

test("capture check: sizes that would read alike in MB (2.04 MB over 2 MB) are given in bytes", () => {
  const root = temporary();
  const cache = new InputCache(join(root, "cache"), 2_000_000);
  writeFileSync(join(root, "c1"), "");
  const killed: string[] = [];
  checkCaptures({ clock, cache, keptBytes: () => 0, captures: () => [[1, join(root, "c1")]], sandboxes: { measure: () => {}, bytes: () => 2_040_000 }, overDisk: (_task, reason) => void killed.push(reason) });
  assert.deepEqual(killed, ["the files in its sandbox (what it wrote there, and private copies of its inputs) reached 2040000 bytes, more than this worker's --disk (2000000 bytes): killed"]);
});

test("workers: two tasks that each fit --disk but not together: the one taking most is stopped and runs again, and the run succeeds", { timeout: 60_000 }, async () => {
  const root = temporary();
  writeFileSync(join(root, "w.mf"), "a:\n\thead -c 700000 /dev/urandom > a; sleep 1\nb:\n\thead -c 700000 /dev/urandom > b; sleep 1\n");
  let err = "";
  let out = "";
  const code = await runFlow(
    { file: join(root, "w.mf"), target: "workers", port: 0, jobs: 1, progress: false, json: true, environment: {}, onListening: (port) => void startWorker({ host: "127.0.0.1", port, workDirectory: temporary(), cores: 2, diskMb: 1 }, { clock }) },
    { clock, random: Math.random, output: { out: (t) => (out += t), err: (t) => (err += t) } },
  );
  assert.equal(code, 0, err);
  assert.match(out, /"state":"retrying".*on the worker, the files in its sandbox [^)]*\) reached [\d.]+ (MB|bytes), the most of the tasks running here, [^;]*: killed; it runs again in \d+ ms/);
});

test("capture check: of tasks taking as much, the last started is stopped (it has done the least)", () => {
  const root = temporary();
  const cache = new InputCache(join(root, "cache"), 1_000_000);
  for (const name of ["c1", "c2", "c3"]) writeFileSync(join(root, name), "");
  const killed: number[] = [];
  checkCaptures({ clock, cache, keptBytes: () => 0, captures: () => [[1, join(root, "c1")], [2, join(root, "c2")], [3, join(root, "c3")]], sandboxes: { measure: () => {}, bytes: () => 400_000 }, overDisk: (task) => void killed.push(task) });
  assert.deepEqual(killed, [3]);
});
