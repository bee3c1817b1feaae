// What the master says about its files names them as the workflow does, on its terminal and in
// the worker's log on another machine: never by the master's absolute paths.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { temporaryDirectories } from "../../test/temporary.ts";
import { runFlow } from "../run/run-flow.ts";
import { shownPaths } from "./shown-paths.ts";
import { startWorker } from "./worker.ts";

const clock = realClock();
const temporary = temporaryDirectories("skein-shown-paths-");

test("shown paths: paths under the workflow's directory are relative to it; others, and the directory's prefix inside a name, stay", () => {
  assert.equal(shownPaths("ENOENT: no such file or directory, open '/home/u/proj/in/a'", "/home/u/proj"), "ENOENT: no such file or directory, open 'in/a'");
  assert.equal(shownPaths("/home/u/projects/in and /data/in", "/home/u/proj"), "/home/u/projects/in and /data/in");
  assert.equal(shownPaths("/in", "/"), "/in");
});

test("workers: an input the master cannot ship (a FIFO) fails its rule naming it as the workflow does, on the master and in the worker's log", { timeout: 30_000 }, async () => {
  const root = temporary();
  execFileSync("mkfifo", [join(root, "pipe")]);
  writeFileSync(join(root, "w.mf"), "out: pipe\n\tcat pipe > out\n");
  let err = "";
  let closed: Promise<string> | undefined;
  const onListening = (port: number) => {
    closed = startWorker({ host: "127.0.0.1", port, workDirectory: temporary() }, { clock }).closed;
  };
  const output = { out: () => {}, err: (text: string) => (err += text) };
  const code = await runFlow({ file: join(root, "w.mf"), target: "workers", port: 0, progress: false, environment: {}, onListening }, { clock, random: Math.random, output });
  assert.equal(code, 1, err);
  assert.match(err, /out: failed: cannot ship inputs: pipe is a FIFO, not a file or directory\n/);
  assert.equal(await closed, `the master finished: the workflow failed (rule 'out' (${join(root, "w.mf")}:1:1) failed: cannot ship inputs: pipe is a FIFO, not a file or directory)`);
  assert.ok(!err.includes(`${root}/pipe`), err);
});
