import assert from "node:assert/strict";
import { test } from "node:test";
import { CaptureBuffer } from "./host.ts";
import { JsonLinesLog } from "./log.ts";

test("log: one JSON object per line, errors as messages, positions as line and column", () => {
  const lines: string[] = [];
  const log = new JsonLinesLog("s.ftsh", (line) => lines.push(line), () => 1234, undefined, 777);
  log.record("command", { line: 3, column: 5 }, { argv: ["ls"], error: new Error("boom") });
  log.record("script-end", undefined, { exitCode: 0 });
  assert.deepEqual(lines.map((l) => JSON.parse(l)), [
    { timeMs: 1234, event: "command", pid: 777, file: "s.ftsh", line: 3, column: 5, argv: ["ls"], error: "boom" },
    { timeMs: 1234, event: "script-end", pid: 777, file: "s.ftsh", exitCode: 0 },
  ]);
  // by default, the pid of the process writing the log
  new JsonLinesLog("s.ftsh", (line) => lines.push(line), () => 0).record("script-start", undefined);
  assert.equal(JSON.parse(lines.at(-1)!).pid, process.pid);
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

test("log: a command record names the program's process as commandPid (pid is the shell's)", async () => {
  const { runFake } = await import("../../test/run-fake.ts");
  const run = await runFake("true\n");
  const command = run.records.find((r) => r.event === "command")!;
  assert.equal(command.commandPid, 1000);
  assert.equal("pid" in command, false);
});

test("log: script-end of a stopped script carries the exit code ftsh ends with (128 + signal)", async () => {
  const { runFake } = await import("../../test/run-fake.ts");
  const controller = new AbortController();
  const run = await runFake("sleep 100\n", {
    signal: controller.signal,
    setup: (_host, environment) => void environment.sleep(1000).then(() => controller.abort(Object.assign(new Error("ftsh was stopped by SIGINT"), { exitCode: 130 }))),
  });
  assert.equal(run.exitCode, 130);
  assert.equal(run.records.at(-1)!.event, "script-end");
  assert.equal(run.records.at(-1)!.exitCode, 130);
});
