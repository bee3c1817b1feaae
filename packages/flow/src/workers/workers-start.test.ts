// Starting either side: a worker given its work directory as a relative path, and a master
// asked to listen on a port that cannot exist.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { temporaryDirectories } from "../../test/temporary.ts";
import { runFlow } from "../run/run-flow.ts";
import type { RunInit } from "../run/run-options.ts";
import { startWorker, type WorkerHandle } from "./worker.ts";

const clock = realClock();
const temporary = temporaryDirectories("skein-workers-start-");

async function master(root: string, init: Partial<RunInit>): Promise<{ code: number; err: string }> {
  let err = "";
  const code = await runFlow(
    { file: join(root, "w.mf"), target: "workers", jobs: 1, progress: false, environment: {}, ...init },
    { clock, random: Math.random, output: { out: () => {}, err: (text) => (err += text) } },
  );
  return { code, err };
}

test("workers: a worker whose work directory is a relative path runs its tasks there (it is made absolute once, at the start)", async () => {
  const root = temporary();
  writeFileSync(join(root, "in.txt"), "shipped\n");
  writeFileSync(join(root, "w.mf"), "out: in.txt\n\ttr a-z A-Z < in.txt > out\n");
  const here = process.cwd();
  const cwd = temporary();
  let worker: WorkerHandle | undefined;
  let result: { code: number; err: string };
  process.chdir(cwd);
  try {
    result = await master(root, { port: 0, onListening: (port) => (worker = startWorker({ host: "127.0.0.1", port, workDirectory: "wdrel" }, { clock })) });
  } finally {
    process.chdir(here);
  }
  assert.equal(result.code, 0, result.err);
  assert.equal(readFileSync(join(root, "out"), "utf8"), "SHIPPED\n");
  assert.equal(await worker!.closed, "the master finished");
  assert.ok(existsSync(join(cwd, "wdrel", "cache")), "the work directory is where the relative path named it when the worker started");
});

for (const port of [65_536, 99_999]) {
  test(`workers: a master told to listen on port ${port} says it is not a port, exit 1, not a crash`, async () => {
    const root = temporary();
    writeFileSync(join(root, "w.mf"), "out:\n\ttouch out\n");
    const result = await master(root, { port, onListening: () => assert.fail("it never listens") });
    assert.equal(result.code, 1);
    assert.equal(result.err, `skein flow: cannot listen for workers on port ${port}: not a port (ports are 0 to 65535; 0 picks a free one)\n`);
  });
}
