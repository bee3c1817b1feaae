// A result frame's lists come from what the user wrote (thousands of declared outputs): the
// worker bounds them, so the master never gets a frame over the limit (it would drop the worker,
// the task would go to the next worker, and the run would never end).
import assert from "node:assert/strict";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { fakeMaster } from "../../test/fake-master.ts";
import { temporaryDirectories } from "../../test/temporary.ts";
import { encodeFrame, frameBytesMax } from "./frames.ts";
import { boundResult, missingNames, resultDroppedMax, resultFrame, resultTextCharsMax } from "./result-bounds.ts";
import { startWorker } from "./worker.ts";

const clock = realClock();
const temporary = temporaryDirectories("skein-result-bounds-");

test("result bounds: missing outputs past the first ten are counted, long names cut, dropped entries capped; the master names ten and counts the rest", () => {
  const missing = Array.from({ length: 25 }, (_, i) => `out${i}`);
  const bounded = boundResult({ type: "result", task: 1, missing, dropped: Array.from({ length: resultDroppedMax + 5 }, () => "x"), lost: "y".repeat(resultTextCharsMax + 10) });
  assert.deepEqual(bounded.missing, missing.slice(0, 10));
  assert.equal(bounded.missingMore, 15);
  assert.equal((bounded.dropped as string[]).length, resultDroppedMax);
  assert.equal((bounded.lost as string).length, resultTextCharsMax + 1);
  assert.equal(missingNames(bounded.missing as string[], bounded.missingMore), `${missing.slice(0, 10).join(", ")} and 15 more`);
  assert.equal(missingNames(["a", "b"], undefined), "a, b");
  const huge = resultFrame({ type: "result", task: 1, exitCode: 0, signal: null, missing: [] }, Buffer.alloc(frameBytesMax));
  assert.ok(huge.length <= frameBytesMax);
});

test("workers: a command that makes none of ~40 000 declared outputs (names filling a frame) gets a result the master can read, naming ten and counting the rest", { timeout: 60_000 }, async () => {
  // as many 200-character names as a task frame holds: echoed back whole with the command's output, the result would pass the limit
  const names: string[] = [];
  const task = () => ({ type: "task", task: 1, command: "head -c 5000 /dev/zero | tr '\\0' x", environment: {}, inputs: [], outputs: names });
  const count = Math.floor((frameBytesMax - 1_000 - encodeFrame(task()).length - 5) / 202); // each name: 200 bytes and a 2-byte msgpack header
  for (let i = 0; i < count; i++) names.push(`${String(i).padStart(6, "0")}${"n".repeat(194)}`);
  assert.ok(encodeFrame(task()).length <= frameBytesMax);
  const results: Array<Record<string, unknown>> = [];
  const master = await fakeMaster({
    opened: (send) => send(task()),
    frame: (frame, send) => {
      if (frame.header.type !== "result") return;
      results.push(frame.header);
      send({ type: "bye" });
    },
  });
  const worker = startWorker({ host: "127.0.0.1", port: master.port, workDirectory: temporary() }, { clock });
  assert.equal(await worker.closed, "the master finished");
  await master.close();
  assert.equal(results.length, 1);
  assert.deepEqual(results[0]!.missing, names.slice(0, 10));
  assert.equal(results[0]!.missingMore, names.length - 10);
});
