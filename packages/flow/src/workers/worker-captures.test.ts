// A task's standard output and error, captured on the worker beside its sandbox: the end of a
// failing task's goes back in its result, and none of it stays on the worker's disk in bulk.
import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { waitFor } from "@skein/testkit";
import { fakeMaster } from "../../test/fake-master.ts";
import { temporaryDirectories } from "../../test/temporary.ts";
import { captureKeptBytesMax } from "./sandbox-pool.ts";
import { startWorker } from "./worker.ts";

const clock = realClock();
const temporary = temporaryDirectories("skein-worker-captures-");

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
