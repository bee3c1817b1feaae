import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import type { Clock } from "@skein/core";
import { realClock } from "@skein/net";
import { waitFor } from "@skein/testkit";
import { fakeMaster } from "../../test/fake-master.ts";
import { runFlow } from "../run/run-flow.ts";
import { startWorker } from "./worker.ts";
import { temporaryDirectories } from "../../test/temporary.ts";

const skein = new URL("../../../cli/bin/skein.js", import.meta.url).pathname;
const clock = realClock();
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) child.kill("SIGKILL");
});
const temporary = temporaryDirectories("skein-heartbeat-");

/** A `skein worker` process on loopback. */
function workerProcess(port: number): ChildProcess {
  const child = spawn(process.execPath, [skein, "worker", `127.0.0.1:${port}`, "--workdir", temporary()], { stdio: "ignore" });
  children.push(child);
  return child;
}

/**
 * Writes `root/w.mf`: one rule whose first attempt marks its start and hangs, and whose rerun
 * finds the mark and finishes at once. Returns the mark's path.
 */
function hangsOnFirstAttempt(root: string): string {
  const marker = join(root, "first-attempt");
  writeFileSync(join(root, "w.mf"), `out:\n\tif [ ! -e ${marker} ]; then touch ${marker}; sleep 60; fi; echo done > out\n`);
  return marker;
}

test("heartbeat: a SIGSTOPped worker (alive, connection open, silent) is lost within the timeout; its task completes on another worker", { timeout: 60_000 }, async () => {
  const root = temporary();
  const marker = hangsOnFirstAttempt(root);
  let out = "";
  let err = "";
  let stoppedMs = 0;
  let lostMs = 0;
  const code = await runFlow(
    {
      file: join(root, "w.mf"),
      target: "workers",
      port: 0,
      progress: false,
      json: true,
      environment: {},
      fastAbortMultiplier: 0,
      heartbeatMs: 200,
      workerTimeoutMs: 1_000,
      onListening: (port) => {
        const first = workerProcess(port);
        void waitFor(clock, () => existsSync(marker), 30_000, "the first attempt").then(() => {
          first.kill("SIGSTOP");
          stoppedMs = performance.now();
          workerProcess(port);
        });
      },
    },
    {
      clock,
      random: Math.random,
      output: {
        out: (t) => (out += t),
        err: (t) => {
          if (!lostMs && /worker-1 lost/.test(t)) lostMs = performance.now();
          err += t;
        },
      },
    },
  );
  assert.equal(code, 0, err);
  assert.equal(readFileSync(join(root, "out"), "utf8"), "done\n");
  const silentMs = Number(/skein flow: worker-1 lost: silent for (\d+) ms \(worker timeout 1000 ms\)/.exec(err)?.[1]);
  assert.ok(silentMs >= 1_000, err);
  const runs = out.trim().split("\n").map((line) => JSON.parse(line)).filter((e) => e.state === "running");
  assert.deepEqual(runs.map((e) => e.executorId), ["worker-1", "worker-2"]);
  // Silence counts from the last frame heard, up to a heartbeat before the stop; judged once
  // per heartbeat: the timeout ± one period, plus slack for a loaded machine.
  const detectionMs = lostMs - stoppedMs;
  assert.ok(detectionMs >= 1_000 - 200 && detectionMs < 4_000, `lost ${Math.round(detectionMs)} ms after SIGSTOP`);
});

test("heartbeat: a worker drops a master that stops sending, with the reason", { timeout: 30_000 }, async () => {
  // A master that welcomes the worker, announces 100 ms heartbeats, then never says a word.
  let heartbeats = 0;
  const server = await fakeMaster({ welcome: { heartbeatMs: 100, workerTimeoutMs: 500 }, frame: () => heartbeats++ });
  const { port } = server;
  const startMs = performance.now();
  const worker = startWorker({ host: "127.0.0.1", port, workDirectory: temporary() }, { clock });
  const reason = await worker.closed;
  const elapsedMs = performance.now() - startMs;
  server.close();
  assert.match(reason, /^the master went silent for \d+ ms \(timeout 500 ms\)$/);
  assert.ok(elapsedMs >= 500 && elapsedMs < 3_000, `dropped after ${Math.round(elapsedMs)} ms`);
  assert.ok(heartbeats >= 3, `the worker sent ${heartbeats} heartbeats meanwhile`);
});

/**
 * The real clock, except that the next periodic tick can be made to come `ms` late, before
 * anything else runs — as after SIGSTOP and SIGCONT, when Node runs the overdue timer before it
 * reads the sockets.
 */
function stallingClock(): { clock: Clock; stallNextTick: (ms: number) => void } {
  let offsetMs = 0;
  let stallMs = 0;
  const clock: Clock = {
    nowMs: () => realClock().nowMs() + offsetMs,
    epochMs: () => realClock().epochMs() + offsetMs,
    setTimer: (delayMs, callback) => realClock().setTimer(delayMs, callback),
    setPeriodic: (intervalMs, callback) =>
      realClock().setPeriodic(intervalMs, () => {
        offsetMs += stallMs;
        stallMs = 0;
        callback();
      }),
  };
  return { clock, stallNextTick: (ms) => (stallMs = ms) };
}

test("heartbeat: a worker stopped right after the welcome (before its first heartbeat) and continued does not blame the master for its own stall", { timeout: 30_000 }, async () => {
  let heartbeats = 0;
  let masterBeats: ReturnType<typeof setInterval> | undefined;
  const server = await fakeMaster({
    welcome: { heartbeatMs: 100, workerTimeoutMs: 500 },
    opened: (send) => (masterBeats = setInterval(() => send({ type: "heartbeat" }), 50)),
    frame: (frame, send) => {
      // a few heartbeats after the stall: the worker kept the connection; then the run is over
      if (frame.header.type === "heartbeat" && ++heartbeats === 5) send({ type: "bye" });
    },
  });
  const { clock, stallNextTick } = stallingClock();
  // the first tick comes 2 s late: four timeouts of the master's "silence", all the worker's own
  stallNextTick(2_000);
  const worker = startWorker({ host: "127.0.0.1", port: server.port, workDirectory: temporary() }, { clock });
  const reason = await worker.closed;
  clearInterval(masterBeats);
  await server.close();
  assert.equal(reason, "the master finished");
});

test("heartbeat: a `skein worker` stopped (SIGSTOP) just after the welcome and continued (SIGCONT) 1.5 s later keeps its master (timeout 500 ms)", { timeout: 60_000 }, async () => {
  let heartbeats = 0;
  let continued = false;
  let masterBeats: ReturnType<typeof setInterval> | undefined;
  const workerRef: { child?: ChildProcess } = {};
  const server = await fakeMaster({
    welcome: { heartbeatMs: 100, workerTimeoutMs: 500 },
    opened: (send) => {
      masterBeats = setInterval(() => send({ type: "heartbeat" }), 50);
      // inside the worker's first heartbeat interval: its silence detector has just started
      void clock.setTimer(30, () => {
        workerRef.child!.kill("SIGSTOP");
        clock.setTimer(1_500, () => {
          continued = true;
          workerRef.child!.kill("SIGCONT");
        });
      });
    },
    frame: (frame, send) => {
      if (continued && frame.header.type === "heartbeat" && ++heartbeats === 5) send({ type: "bye" });
    },
  });
  const child = spawn(process.execPath, [skein, "worker", `127.0.0.1:${server.port}`, "--timeout", "0", "--workdir", temporary()], { stdio: ["ignore", "ignore", "pipe"] });
  children.push(child);
  workerRef.child = child;
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  clearInterval(masterBeats);
  await server.close();
  assert.ok(continued, stderr);
  assert.doesNotMatch(stderr, /went silent/);
  assert.equal(code, 0, stderr);
  assert.match(stderr, /the master finished\n$/);
});

test("heartbeat: a worker the master dropped says what the master said; with no word from it, that the connection closed", { timeout: 30_000 }, async () => {
  const reason = "silent for 1012 ms (worker timeout 1000 ms)";
  const dropping = await fakeMaster({
    opened: (send, socket) => {
      send({ type: "dropped", reason });
      socket.destroy();
    },
  });
  const told = startWorker({ host: "127.0.0.1", port: dropping.port, workDirectory: temporary() }, { clock });
  assert.deepEqual(await told.end, { kind: "lost", reason: `the master dropped this worker: ${reason}`, welcomed: true });
  await dropping.close();
  const silent = await fakeMaster({ opened: (_, socket) => void socket.end() });
  const untold = startWorker({ host: "127.0.0.1", port: silent.port, workDirectory: temporary() }, { clock });
  assert.deepEqual(await untold.end, { kind: "lost", reason: `the connection to the master at 127.0.0.1:${silent.port} closed, with no word from it`, welcomed: true });
  await silent.close();
});

test("heartbeat: a `skein worker` stopped (SIGSTOP) until the master dropped it says, once continued, why the master dropped it and that it connects again; it then runs the task", { timeout: 60_000 }, async () => {
  const root = temporary();
  const marker = hangsOnFirstAttempt(root);
  let err = "";
  let workerErr = "";
  let child: ChildProcess | undefined;
  const code = await runFlow(
    {
      file: join(root, "w.mf"),
      target: "workers",
      port: 0,
      progress: false,
      environment: {},
      fastAbortMultiplier: 0,
      heartbeatMs: 200,
      workerTimeoutMs: 1_000,
      onListening: (port) => {
        child = spawn(process.execPath, [skein, "worker", `127.0.0.1:${port}`, "--workdir", temporary()], { stdio: ["ignore", "ignore", "pipe"] });
        children.push(child);
        child.stderr!.on("data", (chunk: Buffer) => (workerErr += chunk.toString()));
        void waitFor(clock, () => existsSync(marker), 30_000, "the first attempt").then(async () => {
          child!.kill("SIGSTOP");
          await waitFor(clock, () => err.includes("worker-1 lost"), 30_000, "the master dropping worker-1");
          child!.kill("SIGCONT");
        });
      },
    },
    { clock, random: Math.random, output: { out: () => {}, err: (t) => (err += t) } },
  );
  assert.equal(code, 0, err);
  assert.equal(readFileSync(join(root, "out"), "utf8"), "done\n");
  await new Promise((resolve) => child!.once("exit", resolve));
  assert.match(workerErr, /skein worker: the master dropped this worker: silent for \d+ ms \(worker timeout 1000 ms\); connecting again in \d+\.\d s\n/, workerErr);
});
