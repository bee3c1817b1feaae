// A task's large output directory is listed in turns of the worker's event loop: an abort that
// arrives meanwhile drops its result (nothing of it is sent), and the worker goes on.
import assert from "node:assert/strict";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { fakeMaster } from "../../test/fake-master.ts";
import { temporaryDirectories } from "../../test/temporary.ts";
import { outputEntriesPerTurnMax } from "./output-listing.ts";
import { startWorker } from "./worker.ts";

const clock = realClock();
const temporary = temporaryDirectories("skein-worker-output-turns-");

test("worker: a task aborted while its 3 000 outputs are being listed sends nothing of them; the next task's result follows", { timeout: 60_000 }, async (t) => {
  const files = 3_000;
  const task = (id: number, command: string, outputs: string[]) => ({ type: "task", task: id, command, environment: {}, inputs: [], outputs });
  const frames: Array<Record<string, unknown>> = [];
  let turns = 0;
  let heardRefusal!: () => void;
  const refusalHeard = new Promise<void>((resolve) => {
    heardRefusal = resolve;
  });
  let toMaster!: (header: { type: string; [key: string]: unknown }) => void;
  const master = await fakeMaster({
    welcome: { pipelineCores: 1, heartbeatMs: 1_000, workerTimeoutMs: 60_000 },
    opened: (send) => {
      toMaster = send;
      send(task(1, `mkdir out && cd out && seq 1 ${files} | xargs touch`, ["out"]));
    },
    frame: (frame, send) => {
      if (frame.header.type === "heartbeat" || frame.header.type === "cached") return;
      frames.push(frame.header);
      if (frame.header.type === "result" && frame.header.task === 99) heardRefusal();
      // task 2's result ends it; so does task 1's, which should not come (the test fails then, not hangs)
      if (frame.header.type === "result" && (frame.header.task === 2 || frame.header.task === 1)) send({ type: "bye" });
    },
  });
  t.after(() => master.close());
  // at the first pause of task 1's listing: the master aborts it, then sends a task the worker
  // refuses at once (its answer shows the abort arrived before it); the listing goes on after that
  const outputListingTurn = () => {
    if (++turns > 1) return new Promise<void>((resolve) => setImmediate(resolve));
    toMaster({ type: "abort", task: 1 });
    toMaster(task(99, "true", ["../escape"]));
    return refusalHeard.then(() => toMaster(task(2, "echo two > o", ["o"])));
  };
  const worker = startWorker({ host: "127.0.0.1", port: master.port, workDirectory: temporary(), cores: 1 }, { clock, outputListingTurn });
  t.after(() => worker.kill());
  assert.equal(await worker.closed, "the master finished");
  assert.equal(turns, 1, "the listing stopped at its first pause");
  assert.deepEqual(frames.filter((f) => f.task === 1), [], "nothing of task 1 was sent");
  assert.deepEqual(frames.map((f) => [f.type, f.task]), [["result", 99], ["result", 2]]);
  assert.deepEqual(frames[1]!.inline, [{ name: "o", bytes: 4, mode: 0o644 }]);
  assert.ok(files > outputEntriesPerTurnMax);
});
