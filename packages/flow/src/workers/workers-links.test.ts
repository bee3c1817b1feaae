// Outputs a command leaves that are not plain files or directories: a worker follows a symbolic
// link only inside its sandbox, and fails the task naming the problem otherwise; it never hangs
// on a FIFO, never crashes on a loop of links, and runs the next task as usual.
import assert from "node:assert/strict";
import { lstatSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { temporaryDirectories } from "../../test/temporary.ts";
import { runFlow } from "../run/run-flow.ts";
import { startWorker } from "./worker.ts";

const clock = realClock();
const temporary = temporaryDirectories("skein-workers-links-");

/** Runs `mf` in a fresh directory with one in-process worker; `ok` is a rule that must work after the bad one. */
async function run(mf: string): Promise<{ code: number; err: string; root: string }> {
  const root = temporary();
  writeFileSync(join(root, "w.mf"), mf);
  let err = "";
  let closed: Promise<string> | undefined;
  const onListening = (port: number) => void (closed = startWorker({ host: "127.0.0.1", port, workDirectory: temporary() }, { clock }).closed);
  const code = await runFlow({ file: join(root, "w.mf"), target: "workers", port: 0, jobs: 1, progress: false, environment: {}, onListening }, { clock, random: Math.random, output: { out: () => {}, err: (text) => (err += text) } });
  // the worker lived to the end, and heard how the workflow ended
  assert.equal(await closed, code === 0 ? "the master finished" : `the master finished: the workflow failed (${/rule '[^']*' \([^)]*\) failed: [^\n]*/.exec(err)?.[0].slice(0, 500)})`);
  return { code, err, root };
}

const after = "ok:\n\techo ok > ok\n";

for (const [what, command, reason] of [
  ["a link out of the sandbox", "ln -s /etc/hostname out", "'out' is a symbolic link out of the worker's sandbox (to /etc/hostname)"],
  ["a directory with links to itself (a tree without end)", "mkdir out; ln -s . out/a; ln -s . out/b; ln -s .. out/c; echo x > out/x", "'out/a' is a symbolic link to a directory that contains it"],
  ["a loop of links", "ln -s b out; ln -s out b", "'out' is a loop of symbolic links"],
  ["a FIFO", "mkfifo out", "'out' is not a file or directory (a FIFO)"],
] as const) {
  test(`workers: an output that is ${what} fails its task, naming the problem; nothing of it lands; the worker goes on`, { timeout: 30_000 }, async () => {
    const { code, err, root } = await run(`out:\n\t${command}\n${after}`);
    assert.equal(code, 1, err);
    assert.ok(err.includes(`skein flow: out: failed: the command succeeded but ${reason}\n`), err);
    assert.equal(readFileSync(join(root, "ok"), "utf8"), "ok\n");
    assert.deepEqual(readdirSync(root).sort(), ["ok", "w.mf", "w.mf.skeinlog"]);
  });
}

test("workers: an output that is a link inside the sandbox comes back as the file it leads to (a copy, not a link)", async () => {
  const { code, err, root } = await run(`out:\n\techo result > r.txt; ln -s r.txt out\n${after}`);
  assert.equal(code, 0, err);
  assert.ok(lstatSync(join(root, "out")).isFile());
  assert.equal(readFileSync(join(root, "out"), "utf8"), "result\n");
});
