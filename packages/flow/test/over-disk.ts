// A worker of --disk 1 (MB) given a task that grows past it, then `echo fine`: the first task
// must be killed for --disk naming what grew, and the worker must go on to run the second.
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import { realClock } from "@skein/net";
import { startWorker } from "../src/workers/worker.ts";
import { fakeMaster } from "./fake-master.ts";

/**
 * Runs `command` as task 1 on a fresh worker in `workDirectory`, then task 2, and checks task
 * 1's result names `what` (a regular expression's source, as the reason begins) reaching a size
 * past `--disk`, that task 2 succeeded, and that the worker's log said it; returns task 1's result.
 */
export async function killedForDiskThenNext(t: TestContext, workDirectory: string, command: string, what: string): Promise<Record<string, unknown>> {
  const task = (id: number, text: string) => ({ type: "task", task: id, command: text, environment: {}, inputs: [], outputs: [] });
  const results: Array<Record<string, unknown>> = [];
  const master = await fakeMaster({
    opened: (send) => send(task(1, command)),
    frame: (frame, send) => {
      if (frame.header.type !== "result") return;
      results.push(frame.header);
      if (results.length === 1) send(task(2, "echo fine"));
      else send({ type: "bye" });
    },
  });
  t.after(() => master.close());
  const logged: string[] = [];
  const worker = startWorker({ host: "127.0.0.1", port: master.port, workDirectory, diskMb: 1, log: (line) => logged.push(line) }, { clock: realClock() });
  t.after(() => worker.kill());
  assert.equal(await worker.closed, "the master finished");
  assert.equal(results.length, 2);
  const size = String.raw`(\d+(\.\d)? MB, more than this worker's --disk \(1 MB\)|\d+ bytes, more than this worker's --disk \(1000000 bytes\))`;
  assert.match(String(results[0]!.lost), new RegExp(`^${what} reached ${size}: killed$`));
  assert.deepEqual([results[1]!.task, results[1]!.exitCode], [2, 0]);
  assert.ok(logged.some((line) => new RegExp(`^task 1: ${what} reached`).test(line)), logged.join("\n"));
  return results[0]!;
}
