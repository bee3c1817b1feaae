import assert from "node:assert/strict";
import { test } from "node:test";
import { CaptureBuffer } from "./host.ts";
import { JsonLinesLog } from "./log.ts";

test("log: one JSON object per line, errors as messages, positions as line and column", () => {
  const lines: string[] = [];
  const log = new JsonLinesLog("s.ftsh", (line) => lines.push(line), () => 1234);
  log.record("command", { line: 3, column: 5 }, { argv: ["ls"], error: new Error("boom") });
  log.record("script-end", undefined, { exitCode: 0 });
  assert.deepEqual(lines.map((l) => JSON.parse(l)), [
    { timeMs: 1234, event: "command", file: "s.ftsh", line: 3, column: 5, argv: ["ls"], error: "boom" },
    { timeMs: 1234, event: "script-end", file: "s.ftsh", exitCode: 0 },
  ]);
  assert.ok(lines.every((l) => l.endsWith("\n") && !l.slice(0, -1).includes("\n")));
});

test("log: stops at its size limit with one final log-truncated record", () => {
  const lines: string[] = [];
  const log = new JsonLinesLog("s.ftsh", (line) => lines.push(line), () => 0, 2000);
  for (let i = 0; i < 100; i++) log.record("command", { line: i, column: 1 }, { argv: ["echo", "x".repeat(50)] });
  const bytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line), 0);
  assert.ok(bytes <= 2000, `${bytes} bytes`);
  assert.equal(JSON.parse(lines.at(-1)!).event, "log-truncated");
  assert.equal(lines.filter((l) => l.includes("log-truncated")).length, 1);
});

test("capture buffer: refuses text past its limit and keeps what fit", () => {
  const buffer = new CaptureBuffer("ab", 5);
  assert.equal(buffer.append("cd"), true);
  assert.equal(buffer.append("ef"), false);
  assert.equal(buffer.text(), "abcd");
});
