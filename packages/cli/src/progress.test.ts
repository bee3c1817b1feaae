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
