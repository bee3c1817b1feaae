import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { temporaryDirectories } from "../../test/temporary.ts";
import { runFlow } from "../run/run-flow.ts";
import { shownOutput } from "./shown-output.ts";
import { startWorker } from "./worker.ts";

const clock = realClock();
const temporary = temporaryDirectories("skein-shown-output-");

test("shown output: control characters are escaped as JSON writes them, a run of one shown once with its count; newlines, tabs and text stay", () => {
  assert.equal(shownOutput("\u0000".repeat(4096)), "\\u0000 ×4096");
  assert.equal(shownOutput("a\tb\nc\r\nd"), "a\tb\nc\nd");
  assert.equal(shownOutput("\u001b[31mred\u001b[0m 50%\r60%\u0007\u0007"), "\\u001b[31mred\\u001b[0m 50%\\r60%\\u0007\\u0007");
  assert.equal(shownOutput("ünïcödé \ufffd"), "ünïcödé \ufffd");
  assert.equal(shownOutput("x\u0085y"), "x\\u0085y");
});

test("workers: a failed remote command's NUL bytes and escape sequences are printed escaped under its failure, one short line", async () => {
  const root = temporary();
  writeFileSync(join(root, "w.mf"), "out:\n\thead -c 3000 /dev/zero; printf '\\033[2Jcleared\\n'; exit 2\n");
  let err = "";
  const code = await runFlow(
    { file: join(root, "w.mf"), target: "workers", port: 0, jobs: 1, progress: false, environment: {}, onListening: (port) => void startWorker({ host: "127.0.0.1", port, workDirectory: temporary() }, { clock }) },
    { clock, random: Math.random, output: { out: () => {}, err: (t) => (err += t) } },
  );
  assert.equal(code, 1);
  assert.match(err, /skein flow: out: failed: exit code 2\n {2}\| \\u0000 ×3000\\u001b\[2Jcleared\n/);
});
