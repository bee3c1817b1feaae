import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { waitFor } from "@skein/testkit";
import { runFlow } from "../run/run-flow.ts";
import { fakeMaster } from "../../test/fake-master.ts";
import { superviseWorker } from "./worker-supervisor.ts";
import { temporaryDirectories } from "../../test/temporary.ts";

const clock = realClock();
const temporary = temporaryDirectories("skein-supervisor-");
const quick = { initialMs: 40, maxMs: 160 };

/** A loopback port nothing listens on (yet). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function master(root: string, port: number, passwordFile?: string): Promise<{ code: number; err: string }> {
  let err = "";
  const code = await runFlow(
    { file: join(root, "w.mf"), target: "workers", port, jobs: 1, progress: false, environment: {}, fastAbortMultiplier: 0, passwordFile },
    { clock, random: Math.random, output: { out: () => {}, err: (text) => (err += text) } },
  );
  return { code, err };
}

test("supervisor: a worker started before its master connects again until the master is up, then runs its tasks", async () => {
  const root = temporary();
  writeFileSync(join(root, "w.mf"), "a:\n\techo a > a\nb:\n\techo b > b\n");
  const port = await freePort();
  const workDirectory = temporary();
  // a transfer a killed worker left half done: dropped at start, never appended to
  mkdirSync(join(workDirectory, "cache"));
  const partial = join(workDirectory, "cache", `${"0".repeat(64)}.part`);
  writeFileSync(partial, "half a file");
  // an entry cached without a mode, by a worker before modes were shipped: never used again
  const modeless = join(workDirectory, "cache", "1".repeat(64));
  writeFileSync(modeless, "old");
  const log: string[] = [];
  const worker = superviseWorker({ host: "127.0.0.1", port, workDirectory, log: (line) => log.push(line) }, { backoff: quick, timeoutMs: 30_000 }, { clock, random: Math.random });
  await waitFor(clock, () => log.filter((line) => line.includes("connecting again")).length >= 2, 10_000, "two failed attempts");
  assert.ok(!existsSync(partial), "the partial transfer was removed");
  assert.ok(!existsSync(modeless), "the entry without a mode was removed");
  const run = await master(root, port);
  assert.equal(run.code, 0, run.err);
  assert.equal(readFileSync(join(root, "b"), "utf8"), "b\n");
  assert.deepEqual(await worker.done, { code: 0, reason: "the master finished" });
  assert.equal(worker.connections(), 1);
});

test("supervisor: a worker whose master vanishes after welcoming it connects to the next master on that address", async () => {
  const root = temporary();
  writeFileSync(join(root, "w.mf"), "out:\n\techo second > out\n");
  // The first "master" welcomes the worker, then drops the connection and stops listening.
  let dropped!: () => void;
  const droppedOnce = new Promise<void>((resolve) => {
    dropped = resolve;
  });
  const first = await fakeMaster({
    welcome: { heartbeatMs: 1_000, workerTimeoutMs: 5_000 },
    opened: (_send, socket) => {
      setTimeout(() => {
        socket.destroy();
        void first.close().then(dropped);
      }, 50);
    },
  });
  const { port } = first;
  const worker = superviseWorker({ host: "127.0.0.1", port, workDirectory: temporary() }, { backoff: quick, timeoutMs: 30_000 }, { clock, random: Math.random });
  await droppedOnce;
  await waitFor(clock, () => worker.connections() === 1, 10_000, "the first connection to end");
  const run = await master(root, port);
  assert.equal(run.code, 0, run.err);
  assert.equal(readFileSync(join(root, "out"), "utf8"), "second\n");
  assert.deepEqual(await worker.done, { code: 0, reason: "the master finished" });
  assert.equal(worker.connections(), 2);
});

test("supervisor: with no master at all, the worker stops after its timeout and says for how long", async () => {
  const port = await freePort();
  const startedMs = clock.nowMs();
  const worker = superviseWorker({ host: "127.0.0.1", port, workDirectory: temporary() }, { backoff: quick, timeoutMs: 400 }, { clock, random: Math.random });
  const { code, reason } = await worker.done;
  assert.equal(code, 1);
  const match = /^no master for (\d+\.\d) s \(last: .*ECONNREFUSED.*\)$/.exec(reason);
  assert.ok(match && Number(match[1]) >= 0.4, reason);
  assert.ok(clock.nowMs() - startedMs < 5_000);
});

test("supervisor: a worker whose handshake fails (wrong password) stops at once instead of trying again", async () => {
  const root = temporary();
  writeFileSync(join(root, "w.mf"), "out:\n\ttouch out\n");
  writeFileSync(join(root, "pw"), "right\n");
  const port = await freePort();
  const running = master(root, port, join(root, "pw"));
  const log: string[] = [];
  const worker = superviseWorker({ host: "127.0.0.1", port, password: "wrong", workDirectory: temporary(), log: (line) => log.push(line) }, { backoff: quick, timeoutMs: 30_000 }, { clock, random: Math.random });
  const { code, reason } = await worker.done;
  assert.equal(code, 1);
  // the master may not listen yet at the first attempt; once it answers, the refusal is final
  assert.equal(reason, `refused the master at 127.0.0.1:${port}: master failed authentication (wrong password?)`);
  assert.ok(log.every((line) => !line.includes("refused")), "no attempt after the refusal");
  const good = superviseWorker({ host: "127.0.0.1", port, password: "right", workDirectory: temporary() }, { backoff: quick }, { clock, random: Math.random });
  assert.equal((await running).code, 0);
  assert.equal((await good.done).code, 0);
});

test("supervisor: a worker whose master's workflow failed says so, and exits 0 all the same (it did its part; the master's exit code reports the workflow)", async () => {
  const root = temporary();
  writeFileSync(join(root, "w.mf"), "all: broken\n\ttouch all\nbroken:\n\techo oops >&2; exit 3\n");
  const port = await freePort();
  const running = master(root, port);
  const worker = superviseWorker({ host: "127.0.0.1", port, workDirectory: temporary() }, { backoff: quick, timeoutMs: 30_000 }, { clock, random: Math.random });
  const run = await running;
  assert.equal(run.code, 1, run.err);
  const { code, reason } = await worker.done;
  assert.equal(code, 0);
  assert.equal(reason, `the master finished: the workflow failed (rule 'broken' (${join(root, "w.mf")}:3:1) failed: exit code 3)`);
});
