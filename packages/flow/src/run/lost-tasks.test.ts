// When a worker leaves with tasks, the master says whether they run elsewhere or wait for a
// worker: with -T workers the only worker's death leaves no one to run them (this machine runs
// LOCAL rules only), so "run elsewhere" would be false.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { temporaryDirectories } from "../../test/temporary.ts";
import type { ExecutorInfo } from "../schedule/types.ts";
import type { Rule } from "../workflow.ts";
import { encodeFrame, FlowWire } from "../workers/frames.ts";
import { startWorker } from "../workers/worker.ts";
import { lostTasksFate } from "./lost-tasks.ts";
import { runFlow } from "./run-flow.ts";

const clock = realClock();
const temporary = temporaryDirectories("skein-flow-lost-tasks-");

const rule = (resources: Rule["resources"] = {}, local = false) => ({ resources, local, category: "default" }) as unknown as Rule;
const worker = (id: string, cores: number): ExecutorInfo => ({ id, capacity: { cores, memoryMb: 1000, diskMb: 1000, gpus: 0 }, runsLocalRules: false, runsRemoteRules: true, fastAbort: true });
const master: ExecutorInfo = { id: "local", capacity: { cores: 8, memoryMb: 1000, diskMb: 1000, gpus: 0 }, runsLocalRules: true, runsRemoteRules: false, fastAbort: false };

test("lost tasks: run elsewhere only when a connected executor may run them and is large enough", () => {
  assert.equal(lostTasksFate([rule(), rule()], [master, worker("worker-2", 1)]), "its 2 tasks run elsewhere");
  assert.equal(lostTasksFate([rule()], [master]), "its task waits for a worker to connect");
  assert.equal(lostTasksFate([rule(), rule()], [master]), "its 2 tasks wait for a worker to connect");
  assert.equal(lostTasksFate([rule({ cores: 4 }), rule({ cores: 4 })], [master, worker("worker-2", 2)]), "its 2 tasks wait for a worker that can run them");
  assert.equal(lostTasksFate([rule({ cores: 4 }), rule(), rule()], [master, worker("worker-2", 2)]), "its 3 tasks: 2 run elsewhere, 1 waits for a worker that can run it");
});

test("lost tasks: the only worker's death says its tasks wait for a worker, and one that connects runs them", { timeout: 30_000 }, async () => {
  const root = temporary();
  writeFileSync(join(root, "w.mf"), Array.from({ length: 3 }, (_, i) => `o${i}:\n\techo ${i} > o${i}\n`).join(""));
  let err = "";
  let finished: Promise<unknown> | undefined;
  // a worker that takes the tasks and dies before running any
  const dying = (port: number) =>
    new Promise<void>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port });
      let tasks = 0;
      const wire = new FlowWire(socket, { role: "connector", self: "dying", password: undefined, info: { cores: 4 } }, {
        opened: () => socket.write(encodeFrame({ type: "cached", entries: [] })), // a worker's first frame (frames.ts)
        frame: ({ header }) => {
          if (header.type === "task" && ++tasks === 3) socket.destroy();
        },
      });
      socket.on("data", (chunk: Buffer) => wire.push(chunk));
      socket.on("error", () => {});
      socket.on("close", () => resolve());
    });
  const onListening = (port: number) => {
    finished = dying(port).then(() => startWorker({ host: "127.0.0.1", port, workDirectory: temporary() }, { clock }).closed);
  };
  const output = { out: () => {}, err: (text: string) => (err += text) };
  const code = await runFlow({ file: join(root, "w.mf"), target: "workers", port: 0, jobs: 1, progress: false, environment: {}, onListening }, { clock, random: Math.random, output });
  assert.equal(await finished, "the master finished");
  assert.equal(code, 0, err);
  assert.match(err, /^skein flow: worker-1 left \(.*\): its 3 tasks wait for a worker to connect$/m, err);
  assert.doesNotMatch(err, /run elsewhere/);
});
