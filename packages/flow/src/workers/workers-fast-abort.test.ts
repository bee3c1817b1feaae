// Fast abort judges a worker's task by its command's run, not by the time its inputs took to
// arrive: on a slow link, a worker still receiving a shared input is not robbed of its tasks.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { runFlow } from "../run/run-flow.ts";
import { temporaryDirectories } from "../../test/temporary.ts";
import { startWorker, type WorkerHandle } from "./worker.ts";

const clock = realClock();
const temporary = temporaryDirectories("skein-workers-fast-abort-");

/** A proxy to the master's `port()` passing the master's bytes at about `bytesPerSecond`. */
function slowLink(port: () => number, bytesPerSecond: number): Server {
  return createServer((worker) => {
    const master = connect({ host: "127.0.0.1", port: port() });
    worker.on("data", (chunk) => master.write(chunk));
    master.on("data", (chunk: Buffer) => {
      worker.write(chunk);
      master.pause();
      setTimeout(() => master.resume(), (chunk.length / bytesPerSecond) * 1000);
    });
    worker.on("close", () => master.destroy());
    master.on("close", () => worker.destroy());
    worker.on("error", () => {});
    master.on("error", () => {});
  });
}

test("workers: fast abort does not count a shared input's slow transfer against the tasks waiting for it", { timeout: 60_000 }, async () => {
  const root = temporary();
  // 16 MiB at 4 MiB/s: four seconds on the slow worker's link, while the other worker, which
  // has it at once, gives ten samples of about 50 ms (mean + max(k·stddev, 1 s) ≈ 1.1 s)
  writeFileSync(join(root, "big.in"), Buffer.alloc(16 * 1024 * 1024, 3));
  const count = 40;
  const rules = Array.from({ length: count }, (_, i) => `out${i}: big.in\n\tsleep 0.05; wc -c < big.in > out${i}`);
  writeFileSync(join(root, "w.mf"), `${rules.join("\n")}\n`);
  let masterPort = 0;
  const proxy = slowLink(() => masterPort, 4 * 1024 * 1024);
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const workers: WorkerHandle[] = [];
  let out = "";
  let err = "";
  const onListening = (port: number) => {
    masterPort = port;
    workers.push(startWorker({ host: "127.0.0.1", port, cores: 1, workDirectory: join(temporary(), "fast") }, { clock }));
    workers.push(startWorker({ host: "127.0.0.1", port: (proxy.address() as { port: number }).port, cores: 1, workDirectory: join(temporary(), "slow") }, { clock }));
  };
  const code = await runFlow(
    { file: join(root, "w.mf"), target: "workers", port: 0, progress: false, json: true, environment: {}, fastAbortMultiplier: 1, onListening },
    { clock, random: Math.random, output: { out: (t) => (out += t), err: (t) => (err += t) } },
  );
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
  assert.equal(code, 0, err);
  const events = out.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
  const aborted = events.filter((e) => typeof e.reason === "string" && /fast abort/.test(e.reason));
  assert.deepEqual(aborted.map((e) => `${e.target}: ${e.reason}`), [], "no task aborted for its input's transfer");
  const done = events.filter((e) => e.state === "done");
  assert.equal(done.length, count);
  // the slow worker did get the input, and ran a task with it
  assert.deepEqual(workers.map((w) => w.filesReceived()), [1, 1]);
  assert.equal(new Set(done.map((e) => e.executorId)).size, 2, `done on: ${done.map((e) => e.executorId)}`);
  await Promise.all(workers.map((w) => w.closed));
});
