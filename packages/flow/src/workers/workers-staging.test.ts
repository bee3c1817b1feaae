// Outputs from workers are staged as <target>.skein-part: each attempt at a task starts from an
// empty staging path, so nothing an earlier attempt (a dropped worker, an earlier run) left
// there reaches the target.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { waitFor } from "@skein/testkit";
import { temporaryDirectories } from "../../test/temporary.ts";
import { runFlow } from "../run/run-flow.ts";
import { encodeFrame, FlowWire } from "./frames.ts";
import { startWorker } from "./worker.ts";

const clock = realClock();
const temporary = temporaryDirectories("skein-workers-staging-");

/** `skein flow -T workers` on `root/w.mf`; once it listens, `before`, then one in-process worker. */
async function runWithWorker(root: string, before?: (port: number) => Promise<void>): Promise<{ code: number; err: string }> {
  let err = "";
  let started: Promise<unknown> | undefined;
  const onListening = (port: number) => {
    started = (before?.(port) ?? Promise.resolve()).then(() => startWorker({ host: "127.0.0.1", port, workDirectory: temporary() }, { clock }).closed);
  };
  const output = { out: () => {}, err: (text: string) => (err += text) };
  const code = await runFlow({ file: join(root, "w.mf"), target: "workers", port: 0, jobs: 1, progress: false, environment: {}, onListening }, { clock, random: Math.random, output });
  assert.equal(await started, "the master finished");
  return { code, err };
}

/** The files and directories under `path`, relative, sorted. */
function tree(path: string, prefix = ""): string[] {
  return readdirSync(path)
    .sort()
    .flatMap((name) => (statSync(join(path, name)).isDirectory() ? [`${prefix}${name}/`, ...tree(join(path, name), `${prefix}${name}/`)] : [`${prefix}${name}`]));
}

const rule = "d:\n\tmkdir -p d/sub; echo new > d/sub/new\n";

test("workers: a worker dropped after streaming part of a directory output leaves nothing in the target: the rerun on another worker starts from empty staging paths", async () => {
  const root = temporary();
  writeFileSync(join(root, "w.mf"), rule);
  const stale = join(root, "d.skein-part", "sub", "stale");
  const dropped = async (port: number) => {
    const socket = connect({ host: "127.0.0.1", port });
    const output = (task: unknown, name: string, more: object, bytes?: string) => encodeFrame({ type: "output", task, name, ...more }, bytes === undefined ? undefined : Buffer.from(bytes));
    const wire = new FlowWire(socket, { role: "connector", self: "dropped", password: undefined, info: { cores: 1 } }, {
      opened: () => socket.write(encodeFrame({ type: "cached", entries: [] })), // a worker's first frame (frames.ts)
      frame: ({ header }) => {
        if (header.type !== "task") return;
        const { task } = header;
        socket.write(output(task, "d", { directory: true }));
        socket.write(output(task, "d/sub", { directory: true }));
        socket.write(output(task, "d/sub/stale", { mode: 0o644, last: true }, "old\n"));
        socket.end(output(task, "d/sub/new", { mode: 0o644, last: false }, "half"));
      },
    });
    socket.on("data", (chunk: Buffer) => wire.push(chunk));
    await new Promise((resolve) => socket.on("close", resolve));
    await waitFor(clock, () => existsSync(stale) && existsSync(join(root, "d.skein-part", "sub", "new")), 10_000, "the dropped worker's files staged");
  };
  const result = await runWithWorker(root, dropped);
  assert.equal(result.code, 0, result.err);
  assert.match(result.err, /worker-1 left/);
  assert.deepEqual(tree(join(root, "d")), ["sub/", "sub/new"]);
  assert.equal(readFileSync(join(root, "d", "sub", "new"), "utf8"), "new\n");
  assert.deepEqual(readdirSync(root).sort(), ["d", "w.mf", "w.mf.skeinlog"]);
});

test("workers: staging paths an earlier run left (a killed master) are emptied before a task's outputs land there, a tree or a file where a directory comes", async () => {
  const root = temporary();
  writeFileSync(join(root, "w.mf"), "d e:\n\tmkdir -p d/sub e; echo new > d/sub/new; echo inner > e/inner\n");
  mkdirSync(join(root, "d.skein-part", "sub"), { recursive: true });
  writeFileSync(join(root, "d.skein-part", "sub", "stale"), "old\n");
  writeFileSync(join(root, "d.skein-part", "top"), "old\n");
  writeFileSync(join(root, "e.skein-part"), "a file\n");
  const result = await runWithWorker(root);
  assert.equal(result.code, 0, result.err);
  assert.deepEqual(tree(join(root, "d")), ["sub/", "sub/new"]);
  assert.deepEqual(tree(join(root, "e")), ["inner"]);
  assert.deepEqual(readdirSync(root).sort(), ["d", "e", "w.mf", "w.mf.skeinlog"]);
});

test("workers: a master stopped (SIGINT) while a worker streamed part of an output leaves no .skein-part behind", { timeout: 30_000 }, async () => {
  const root = temporary();
  writeFileSync(join(root, "w.mf"), rule);
  let err = "";
  const streaming = async (port: number) => {
    const socket = connect({ host: "127.0.0.1", port });
    const wire = new FlowWire(socket, { role: "connector", self: "streaming", password: undefined, info: { cores: 1 } }, {
      opened: () => socket.write(encodeFrame({ type: "cached", entries: [] })), // a worker's first frame (frames.ts)
      frame: ({ header }) => {
        if (header.type !== "task") return;
        socket.write(encodeFrame({ type: "output", task: header.task, name: "d", directory: true }));
        socket.write(encodeFrame({ type: "output", task: header.task, name: "d/half", mode: 0o644, last: false }, Buffer.from("half")));
      },
    });
    socket.on("data", (chunk: Buffer) => wire.push(chunk));
    socket.on("error", () => {});
    await waitFor(clock, () => existsSync(join(root, "d.skein-part", "half")), 10_000, "the partial output staged");
    process.kill(process.pid, "SIGINT");
  };
  let stopped: Promise<void> | undefined;
  const output = { out: () => {}, err: (text: string) => (err += text) };
  const code = await runFlow({ file: join(root, "w.mf"), target: "workers", port: 0, jobs: 1, progress: false, environment: {}, onListening: (port) => void (stopped = streaming(port)) }, { clock, random: Math.random, output });
  await stopped;
  assert.equal(code, 130, err);
  assert.deepEqual(readdirSync(root).sort(), ["w.mf", "w.mf.skeinlog"]);
});

test("workers: a run removes the .skein-part of its targets a killed run left (a target done since, or another rule's), never another name", async () => {
  const root = temporary();
  writeFileSync(join(root, "w.mf"), "a:\n\techo a > a\n");
  assert.equal((await runWithWorker(root)).code, 0);
  // as a master killed with kill -9 leaves them; then the workflow was edited
  mkdirSync(join(root, "a.skein-part", "sub"), { recursive: true });
  writeFileSync(join(root, "a.skein-part", "sub", "x"), "old\n");
  writeFileSync(join(root, "c.skein-part"), "not a target's: the user's\n");
  writeFileSync(join(root, "w.mf"), "a:\n\techo a > a\nb:\n\techo b > b\n");
  const result = await runWithWorker(root);
  assert.equal(result.code, 0, result.err);
  assert.deepEqual(readdirSync(root).sort(), ["a", "b", "c.skein-part", "w.mf", "w.mf.skeinlog"]);
});
