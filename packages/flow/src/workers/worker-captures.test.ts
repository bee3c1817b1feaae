// A task's standard output and error, captured on the worker beside its sandbox: the end of a
// failing task's goes back in its result, and none of it stays on the worker's disk in bulk.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { waitFor } from "@skein/testkit";
import { fakeMaster } from "../../test/fake-master.ts";
import { killedForDiskThenNext } from "../../test/over-disk.ts";
import { temporaryDirectories } from "../../test/temporary.ts";
import { checkCaptures } from "./capture-watch.ts";
import { cachedFileName } from "./file-modes.ts";
import { InputCache } from "./input-cache.ts";
import { captureKeptBytesMax } from "./sandbox-pool.ts";
import { startWorker } from "./worker.ts";

const clock = realClock();
const temporary = temporaryDirectories("skein-worker-captures-");
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

test("worker: a task that wrote megabytes to its standard output leaves none of them on the worker once its result has left; an aborted task's capture is removed", { timeout: 30_000 }, async (t) => {
  const workDirectory = temporary();
  const captures = join(workDirectory, "output");
  const task = (id: number, command: string) => ({ type: "task", task: id, command, environment: {}, inputs: [], outputs: [] });
  const results: Array<Record<string, unknown>> = [];
  const sizes = () => readdirSync(captures).map((name) => statSync(join(captures, name)).size);
  let checked!: () => void;
  const done = new Promise<void>((resolve) => {
    checked = resolve;
  });
  const master = await fakeMaster({
    welcome: { pipelineCores: 2, heartbeatMs: 1_000, workerTimeoutMs: 60_000 },
    opened: (send) => {
      send(task(1, "head -c 3000000 /dev/zero; echo the end >&2; exit 3"));
      send(task(2, "head -c 3000000 /dev/zero; sleep 30"));
    },
    frame: (frame, send) => {
      if (frame.header.type !== "result") return;
      results.push(frame.header);
      // task 2 is writing or asleep: abort it, then look at the worker's disk
      // (sandboxes, and their captures, are numbered from 1 in the order tasks arrive)
      void waitFor(clock, () => (statSync(join(captures, "2"), { throwIfNoEntry: false })?.size ?? 0) > captureKeptBytesMax * 2, 10_000, "task 2's output")
        .then(() => send({ type: "abort", task: 2 }))
        .then(() => waitFor(clock, () => sizes().length === 1 && sizes()[0]! <= captureKeptBytesMax, 10_000, "the captures emptied and removed"))
        .finally(() => {
          checked();
          send({ type: "bye" });
        });
    },
  });
  t.after(() => master.close());
  const worker = startWorker({ host: "127.0.0.1", port: master.port, workDirectory, cores: 2 }, { clock });
  t.after(() => worker.kill());
  await done;
  assert.equal(await worker.closed, "the master finished");
  assert.deepEqual([results.length, results[0]!.task, results[0]!.exitCode], [1, 1, 3]);
  assert.ok(String(results[0]!.output).endsWith("the end\n"), "the failing task's result has the end of its output");
  assert.deepEqual(sizes(), [0], "task 1's capture emptied; task 2's removed");
});

test("worker: a task's captured output counts against --disk: one printing past it is killed and fails naming its output's size, its capture is removed, and the worker runs the next task", { timeout: 30_000 }, async (t) => {
  const workDirectory = temporary();
  const captures = join(workDirectory, "output");
  const first = await killedForDiskThenNext(t, workDirectory, "echo starting; while :; do head -c 200000 /dev/zero; sleep 0.02; done", String.raw`its output \(stdout and stderr\)`);
  assert.ok(String(first.output).startsWith("…"), "the end of its output");
  await waitFor(clock, () => readdirSync(captures).every((name) => statSync(join(captures, name)).size <= captureKeptBytesMax), 10_000, "the killed task's capture removed");
});

test("input cache: room kept for captured output makes entries no task holds leave, least recently used first; held ones stay", () => {
  const root = temporary();
  const cache = new InputCache(join(root, "cache"), 1_000);
  const [a, b] = [Buffer.alloc(400, 1), Buffer.alloc(400, 2)];
  for (const content of [a, b]) cache.receive(sha256(content), 0o644, true, content);
  mkdirSync(join(root, "sandbox"));
  cache.place(1, [{ name: "b", hash: sha256(b), mode: 0o644 }], join(root, "sandbox")); // b: held
  cache.reserve(200);
  assert.equal(cache.entryBytes, 800, "800 + 200 fit");
  cache.reserve(500);
  assert.deepEqual(readdirSync(cache.directory), [cachedFileName(sha256(b), 0o644)], "a, idle, leaves");
  cache.reserve(700);
  assert.equal(cache.entryBytes, 400, "b is held");
});

test("capture check: the task printing most fails once the captures pass what --disk leaves beside the held inputs; while held inputs alone pass --disk, only captures that alone pass it", () => {
  const root = temporary();
  const cache = new InputCache(join(root, "cache"), 1_000);
  const held = (fill: number, bytes: number) => {
    const content = Buffer.alloc(bytes, fill);
    cache.receive(sha256(content), 0o644, true, content);
    mkdirSync(join(root, `sandbox-${fill}`));
    cache.place(fill, [{ name: "in", hash: sha256(content), mode: 0o644 }], join(root, `sandbox-${fill}`));
  };
  const capture = (name: string, bytes: number) => {
    writeFileSync(join(root, name), Buffer.alloc(bytes));
    return join(root, name);
  };
  const check = (captures: Array<readonly [number, string]>) => {
    const killed: string[] = [];
    checkCaptures({ clock, cache, keptBytes: () => 0, captures: () => captures, overDisk: (task, reason, again) => void killed.push(`${task}${again ? " (again)" : ""}: ${reason}`) });
    return killed;
  };
  held(1, 600);
  assert.deepEqual(check([[1, capture("c1", 100)], [2, capture("c2", 300)]]), []);
  assert.deepEqual(check([[1, capture("c1", 100)], [2, capture("c2", 301)]]), ["2 (again): its output (stdout and stderr) reached 301 bytes, the most of the tasks running here, whose files and output took 401 bytes together, more than the 400 bytes this worker's --disk (1000 bytes) leaves beside the 600 bytes of inputs it holds: killed"], "it alone fits: it may run again");
  assert.deepEqual(check([[1, capture("c1", 0)], [2, capture("c2", 401)]]), ["2: its output (stdout and stderr) reached 401 bytes, more than the 400 bytes this worker's --disk (1000 bytes) leaves beside the 600 bytes of inputs it holds: killed"], "it alone passes it");
  held(2, 600); // two tasks hold 1 200 bytes together
  assert.deepEqual(check([[1, capture("c1", 100)], [2, capture("c2", 900)]]), [], "the inputs pass --disk, not the captures");
  assert.equal(check([[1, capture("c1", 100)], [2, capture("c2", 901)]]).length, 1);
});
