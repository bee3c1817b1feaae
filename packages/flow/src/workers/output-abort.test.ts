// An abort (fast abort, a task moved to another worker, the run stopping) that reaches the worker
// while the task's outputs are leaving stops them: the rest is neither read nor sent, no result
// follows, and the frames queued behind them (the next task's result) are not held up.
import assert from "node:assert/strict";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { fakeMaster } from "../../test/fake-master.ts";
import { temporaryDirectories } from "../../test/temporary.ts";
import { startWorker } from "./worker.ts";

const clock = realClock();
const temporary = temporaryDirectories("skein-output-abort-");

test("worker: an abort while a task's 40 MB output streams back stops it; no result of it follows, and the next task's result comes at once", { timeout: 60_000 }, async (t) => {
  const task = (id: number, command: string, outputs: string[]) => ({ type: "task", task: id, command, environment: {}, inputs: [], outputs });
  let streamedBytes = 0;
  const results: Array<Record<string, unknown>> = [];
  let paused = false;
  const master = await fakeMaster({
    opened: (send) => send(task(1, "head -c 40000000 /dev/zero > out", ["out"])),
    frame: (frame, send, socket) => {
      const { header } = frame;
      if (header.type === "output" && header.task === 1) {
        streamedBytes += frame.payload.length;
        if (paused) return;
        // its first chunk: stop reading (the worker's socket fills), abort it, read again later
        paused = true;
        socket.pause();
        send({ type: "abort", task: 1 });
        send(task(2, "echo fine", []));
        clock.setTimer(300, () => socket.resume());
      } else if (header.type === "result") {
        results.push(header);
        if (header.task === 2) send({ type: "bye" });
      }
    },
  });
  t.after(() => master.close());
  const worker = startWorker({ host: "127.0.0.1", port: master.port, workDirectory: temporary() }, { clock });
  t.after(() => worker.kill());
  assert.equal(await worker.closed, "the master finished");
  assert.deepEqual(results.map((r) => r.task), [2], "no result of the aborted task");
  assert.ok(streamedBytes < 20_000_000, `the rest of the output was not sent: ${streamedBytes} bytes came`);
});
