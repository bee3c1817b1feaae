// A master that a signal interrupts keeps its log for a resume, so its workers must not go
// home: its goodbye says it stopped, and they keep reconnecting, as after a `kill -9`, until the
// rerun of the master gets them back; only a master whose workflow is done sends them home.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { waitFor } from "@skein/testkit";
import { fakeMaster } from "../../test/fake-master.ts";
import { temporaryDirectories } from "../../test/temporary.ts";
import { runFlow } from "../run/run-flow.ts";
import type { RunInit } from "../run/run-options.ts";
import { superviseWorker } from "./worker-supervisor.ts";

const clock = realClock();
const temporary = temporaryDirectories("skein-workers-interrupt-");
const quick = { initialMs: 40, maxMs: 160 };

async function master(root: string, init: Partial<RunInit>): Promise<{ code: number; err: string }> {
  let err = "";
  const code = await runFlow(
    { file: join(root, "w.mf"), target: "workers", jobs: 1, progress: false, environment: {}, fastAbortMultiplier: 0, ...init },
    { clock, random: Math.random, output: { out: () => {}, err: (text) => (err += text) } },
  );
  return { code, err };
}

/**
 * A master on `root` with one supervised worker (reconnecting quickly, for 30 s at most), stopped
 * by SIGINT once its task has made the file `started`: the stopped run, the worker and the port.
 */
async function interruptedWithWorker(root: string, log?: (line: string) => void): Promise<{ stopped: { code: number; err: string }; worker: ReturnType<typeof superviseWorker>; port: number }> {
  let port = 0;
  let worker: ReturnType<typeof superviseWorker> | undefined;
  const first = master(root, {
    port: 0,
    onListening: (listening) => {
      port = listening;
      worker = superviseWorker({ host: "127.0.0.1", port, workDirectory: temporary(), log }, { backoff: quick, timeoutMs: 30_000 }, { clock, random: Math.random });
    },
  });
  await waitFor(clock, () => existsSync(join(root, "started")), 30_000, "the task to start on the worker");
  process.kill(process.pid, "SIGINT");
  return { stopped: await first, worker: worker!, port };
}

test("workers: a master stopped by SIGINT tells its workers, which connect again; the resumed master gets them back, and its end sends them home", { timeout: 60_000 }, async () => {
  const root = temporary();
  // the first run's task hangs until the signal; the rerun finds `go` and finishes at once
  writeFileSync(join(root, "w.mf"), `out:\n\tif [ -e ${join(root, "go")} ]; then echo done > out; else touch ${join(root, "started")}; sleep 60; fi\n`);
  const log: string[] = [];
  const { stopped, worker, port } = await interruptedWithWorker(root, (line) => log.push(line));
  assert.equal(stopped.code, 130, stopped.err);
  await waitFor(clock, () => log.some((line) => line.includes("connecting again")), 10_000, "the worker to try again");
  assert.match(log.join("\n"), /^the master stopped \(interrupted by SIGINT\); reconnecting for up to 30 s \(first attempt in \d+\.\d s\)$/m);

  writeFileSync(join(root, "go"), "");
  const resumed = await master(root, { port });
  assert.equal(resumed.code, 0, resumed.err);
  assert.equal(readFileSync(join(root, "out"), "utf8"), "done\n");
  assert.deepEqual(await worker.done, { code: 0, reason: "the master finished" });
  assert.equal(worker.connections(), 2);
});

test("workers: a goodbye naming why the master stopped keeps the worker reconnecting, for its --timeout at most; a plain goodbye ends it", { timeout: 30_000 }, async () => {
  const goodbyes = [{ type: "bye", stopped: "interrupted by SIGTERM" }, { type: "bye" }];
  const server = await fakeMaster({ opened: (send) => send(goodbyes.shift()!) });
  const log: string[] = [];
  const worker = superviseWorker({ host: "127.0.0.1", port: server.port, workDirectory: temporary(), log: (line) => log.push(line) }, { backoff: quick, timeoutMs: 90_000 }, { clock, random: Math.random });
  assert.deepEqual(await worker.done, { code: 0, reason: "the master finished" });
  await server.close();
  assert.equal(worker.connections(), 2);
  assert.equal(log.length, 3, log.join("\n"));
  assert.match(log[1]!, /^the master stopped \(interrupted by SIGTERM\); reconnecting for up to 90 s \(first attempt in 0\.\d s\)$/);
});

test("workers: a master killed and started again does not ship again an input its reconnected worker holds; only what the worker lacks crosses", { timeout: 60_000 }, async () => {
  const root = temporary();
  const bytes = 8 * 1024 * 1024;
  writeFileSync(join(root, "big.in"), Buffer.alloc(bytes, 3));
  writeFileSync(join(root, "small.in"), "s\n");
  // the first run makes `a` from big.in, then hangs in `b` until the signal; the rerun runs `b` alone, which reads big.in too
  writeFileSync(join(root, "w.mf"), `a: big.in\n\twc -c < big.in > a\n\nb: a big.in small.in\n\tif [ -e ${join(root, "go")} ]; then cat a small.in > b; wc -c < big.in >> b; else touch ${join(root, "started")}; sleep 60; fi\n`);
  const { stopped, worker, port } = await interruptedWithWorker(root); // `started`: the second task runs
  assert.equal(stopped.code, 130, stopped.err);
  const before = worker.received();
  assert.equal(before.files, 3, "big.in, a and small.in");
  writeFileSync(join(root, "go"), "");
  const resumed = await master(root, { port });
  assert.equal(resumed.code, 0, resumed.err);
  assert.equal(readFileSync(join(root, "b"), "utf8"), `${bytes}\ns\n${bytes}\n`);
  assert.deepEqual(await worker.done, { code: 0, reason: "the master finished" });
  assert.deepEqual(worker.received(), before, "nothing crossed again");
});
