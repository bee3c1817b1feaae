import assert from "node:assert/strict";
import { test } from "node:test";
import { ProgressBar } from "./progress.ts";

test("progress bar: a line longer than the terminal is cut to fit one row (a wrapped line would leave its start behind at each redraw)", () => {
  let written = "";
  const stream = { isTTY: true, columns: 40, write: (text: string) => (written += text) } as unknown as NodeJS.WriteStream;
  const bar = new ProgressBar({ total: 1_000, unit: "seeds", stream });
  bar.update(10, ["3 failed", "123456 events/s"], true);
  const line = written.replace("\r\x1b[2K", "");
  assert.equal(line.length, 39);
  assert.match(line, /^\[-{29}/);
});

test("progress bar: the ETA counts down from the estimate made when a unit last finished, and is `?` once that ran out", () => {
  let written = "";
  let nowMs = 0;
  const stream = { isTTY: true, columns: 200, write: (text: string) => (written += text) } as unknown as NodeJS.WriteStream;
  const bar = new ProgressBar({ total: 4, unit: "seeds", stream, nowMs: () => nowMs });
  const eta = (done: number, atMs: number) => {
    nowMs = atMs;
    written = "";
    bar.update(done, [], true);
    return written.split("ETA ")[1];
  };
  assert.equal(eta(0, 1_000), "?");
  assert.equal(eta(2, 4_000), "4.0s", "2 of 4 in 4 s");
  assert.equal(eta(2, 5_000), "3.0s", "nothing finished since: down, not up to 5 s");
  assert.equal(eta(2, 8_500), "?", "past the estimate: stale");
  assert.equal(eta(4, 9_000), "0s");
});
