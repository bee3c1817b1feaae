import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { encodeFrame as encodeWireFrame, FrameDecoder, FrameType, pack, unpack } from "@skein/net/wire";
import { fakeMaster, type SendFrame } from "../../test/fake-master.ts";
import { runFlow } from "../run/run-flow.ts";
import type { Output, RunInit } from "../run/run-options.ts";
import { encodeFrame, FlowWire, flowMagic, flowWireVersion, masterNodeId } from "./frames.ts";
import { startWorker, type WorkerHandle } from "./worker.ts";
import { temporaryDirectories } from "../../test/temporary.ts";

const clock = realClock();
const temporary = temporaryDirectories("skein-workers-");

/** Runs a master with -T workers and starts `workers` in-process once it listens. */
async function withWorkers(root: string, init: Partial<RunInit>, startWorkers: (port: number) => void): Promise<{ code: number; err: string; out: string }> {
  let err = "";
  let out = "";
  const output: Output = { out: (t) => (out += t), err: (t) => (err += t) };
  const code = await runFlow({ file: join(root, "w.mf"), target: "workers", port: 0, jobs: 1, progress: false, environment: {}, onListening: startWorkers, ...init }, { clock, random: Math.random, output });
  return { code, err, out };
}

function fanOut(count: number, sleepSeconds: number): string {
  const lines = [];
  for (let i = 0; i < count; i++) lines.push(`out${i}: shared.dat\n\tsleep ${sleepSeconds}; wc -c < shared.dat > out${i}; echo ${i} >> out${i}`);
  lines.push(`sum: ${Array.from({ length: count }, (_, i) => `out${i}`).join(" ")}\n\tLOCAL cat out* > sum`);
  return `${lines.join("\n")}\n`;
}

test("workers: two workers run a workflow; a shared input crosses once per worker; outputs come back", async () => {
  const root = temporary();
  writeFileSync(join(root, "w.mf"), fanOut(20, 0));
  writeFileSync(join(root, "shared.dat"), "x".repeat(100_000));
  const workers: WorkerHandle[] = [];
  const result = await withWorkers(root, {}, (port) => {
    for (let i = 0; i < 2; i++) workers.push(startWorker({ host: "127.0.0.1", port, cores: 2, workDirectory: join(temporary(), `w${i}`) }, { clock }));
  });
  assert.equal(result.code, 0, result.err);
  assert.equal(readFileSync(join(root, "out7"), "utf8"), "100000\n7\n");
  assert.ok(workers.every((w) => w.filesReceived() <= 1), `files received: ${workers.map((w) => w.filesReceived())}`);
  assert.equal(workers.reduce((sum, w) => sum + w.filesReceived(), 0) >= 1, true);
  assert.deepEqual(await Promise.all(workers.map((w) => w.closed)), ["the master finished", "the master finished"]);
});

test("workers: a killed worker's tasks complete on the other worker; --json shows the executors join and the killed one leave", async () => {
  const root = temporary();
  writeFileSync(join(root, "w.mf"), fanOut(8, 0.2));
  writeFileSync(join(root, "shared.dat"), "abc");
  const workers: WorkerHandle[] = [];
  const result = await withWorkers(root, { json: true }, (port) => {
    for (let i = 0; i < 2; i++) workers.push(startWorker({ host: "127.0.0.1", port, cores: 2, workDirectory: join(temporary(), `w${i}`) }, { clock }));
    // Kill the first worker while it runs its first tasks (they sleep 0.2 s each).
    const watch = setInterval(() => {
      if (workers[0]!.filesReceived() > 0) {
        clearInterval(watch);
        workers[0]!.kill();
      }
    }, 5);
  });
  assert.equal(result.code, 0, result.err);
  // one line for the worker, not one per task it ran
  assert.match(result.err, /skein flow: worker-1 left \([^)]+\): its (\d+ tasks run|task runs) elsewhere\n/);
  assert.doesNotMatch(result.err, /: ready: executor worker-1 left/);
  const executorEvents: Array<Record<string, unknown>> = result.out.trim().split("\n").map((line) => JSON.parse(line)).filter((event) => event.executor !== undefined);
  assert.deepEqual(executorEvents.filter((e) => e.state === "joined").map((e) => [e.executor, e.cores]).sort(), [["local", 1], ["worker-1", 2], ["worker-2", 2]]);
  assert.deepEqual(executorEvents.filter((e) => e.state === "left").map((e) => e.executor), ["worker-1"], JSON.stringify(executorEvents));
  assert.equal(typeof executorEvents.find((e) => e.state === "left")?.reason, "string");
  for (let i = 0; i < 8; i++) assert.equal(readFileSync(join(root, `out${i}`), "utf8"), `3\n${i}\n`);
});

test("workers: a worker with the wrong password refuses the master, which says so; neither runs a task for the other", async () => {
  const root = temporary();
  writeFileSync(join(root, "w.mf"), "out:\n\techo ok > out\n");
  writeFileSync(join(root, "pw"), "right\n");
  let refused: Promise<string> | undefined;
  const result = await withWorkers(root, { passwordFile: join(root, "pw") }, (port) => {
    refused = startWorker({ host: "127.0.0.1", port, password: "wrong", workDirectory: join(temporary(), "bad") }, { clock }).closed;
    void refused.then(() => startWorker({ host: "127.0.0.1", port, password: "right", workDirectory: join(temporary(), "good") }, { clock }));
  });
  assert.match(String(await refused), /^refused the master at 127\.0\.0\.1:\d+: master failed authentication \(wrong password\?\)$/);
  assert.match(result.err, /skein flow: a worker from 127\.0\.0\.1:\d+ refused this master: master failed authentication \(wrong password\?\)\n/);
  assert.equal(result.code, 0);
});

test("workers: a worker never runs a task from a master that does not know its password, nor from one that skips the handshake", async () => {
  const root = temporary();
  const pwned = join(root, "pwned");
  const task = { type: "task", task: 1, command: `touch ${pwned}`, environment: {}, inputs: [], outputs: [] };
  let welcomed = 0;
  const impostor = await fakeMaster({ password: "guess", opened: (send) => {
      welcomed++;
      send(task);
    },
  });
  const worker = startWorker({ host: "127.0.0.1", port: impostor.port, password: "secret", workDirectory: temporary() }, { clock });
  const end = await worker.end;
  await impostor.close();
  assert.deepEqual(end, { kind: "refused", reason: `refused the master at 127.0.0.1:${impostor.port}: master failed authentication (wrong password?)`, welcomed: false });
  assert.equal(welcomed, 0);
  // one that sends a task instead of its Hello
  const { createServer } = await import("node:net");
  const rude = createServer((socket) => socket.end(encodeFrame(task)));
  await new Promise<void>((resolve) => rude.listen(0, "127.0.0.1", resolve));
  const port = (rude.address() as { port: number }).port;
  const second = await startWorker({ host: "127.0.0.1", port, password: "secret", workDirectory: temporary() }, { clock }).end;
  rude.close();
  assert.deepEqual(second, { kind: "lost", reason: "protocol error: unexpected frame type 7 during the handshake", welcomed: false });
  assert.ok(!existsSync(pwned));
});

test("workers: a refusal stays the reason when the master then resets the connection", async () => {
  const impostor = await fakeMaster({ password: "guess", resetOnRefusal: true });
  const worker = startWorker({ host: "127.0.0.1", port: impostor.port, password: "secret", workDirectory: temporary() }, { clock });
  const end = await worker.end;
  await impostor.close();
  assert.deepEqual(end, { kind: "refused", reason: `refused the master at 127.0.0.1:${impostor.port}: master failed authentication (wrong password?)`, welcomed: false });
});

test("workers: a port another process holds is a one-line error, exit 1, not a crash", async () => {
  const { createServer } = await import("node:net");
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, resolve));
  const port = (holder.address() as { port: number }).port;
  const root = temporary();
  writeFileSync(join(root, "w.mf"), "out:\n\ttouch out\n");
  const result = await withWorkers(root, { port }, () => assert.fail("it never listens"));
  holder.close();
  assert.equal(result.code, 1);
  assert.equal(result.err, `skein flow: cannot listen for workers on port ${port}: another process uses it (EADDRINUSE); choose another with -p, or -p 0 for any free port\n`);
});

test("workers: a peer that has not proved the password cannot send a frame over 16 KiB", { timeout: 30_000 }, async () => {
  const root = temporary();
  writeFileSync(join(root, "w.mf"), "out:\n\techo ok > out\n");
  let dropped: Promise<void> | undefined;
  const result = await withWorkers(root, {}, (port) => {
    const socket = connect(port, "127.0.0.1");
    // a Hello of 20 KiB: refused before it is buffered whole or parsed
    const info = { cores: 1, padding: "x".repeat(20 * 1024) };
    socket.write(encodeWireFrame(FrameType.Hello, pack({ magic: flowMagic, version: flowWireVersion, node: "big", target: masterNodeId, nonce: new Uint8Array(16), incarnation: new Uint8Array(8), info })));
    socket.on("error", () => {});
    socket.resume(); // read (and drop) the challenge, so the master's close is seen
    dropped = new Promise((resolve) => socket.on("close", () => resolve()));
    void dropped.then(() => startWorker({ host: "127.0.0.1", port, workDirectory: join(temporary(), "good") }, { clock }));
  });
  await dropped;
  assert.equal(result.code, 0, result.err);
  assert.equal(readFileSync(join(root, "out"), "utf8"), "ok\n");
});

test("workers: a peer of another wire version gets a Refuse naming both versions, and the master says so", async () => {
  const root = temporary();
  writeFileSync(join(root, "w.mf"), "out:\n\techo ok > out\n");
  let answer: Promise<string> | undefined;
  const result = await withWorkers(root, {}, (port) => {
    const socket = connect(port, "127.0.0.1");
    socket.write(encodeWireFrame(FrameType.Hello, pack({ magic: flowMagic, version: flowWireVersion + 1, node: "future", target: masterNodeId, nonce: new Uint8Array(16), incarnation: new Uint8Array(8) })));
    const decoder = new FrameDecoder(1024);
    answer = new Promise((resolve) => {
      socket.on("data", (chunk: Buffer) => decoder.push(chunk, (frame) => resolve(`${frame.type} ${(unpack(frame.body) as { reason: string }).reason}`)));
    });
    void answer.then(() => startWorker({ host: "127.0.0.1", port, workDirectory: join(temporary(), "good") }, { clock }));
  });
  assert.equal(await answer, `${FrameType.Refuse} protocol error: wire version ${flowWireVersion + 1} is not ours (${flowWireVersion})`);
  assert.match(result.err, new RegExp(`skein flow: refused a connection from 127\\.0\\.0\\.1:\\d+: protocol error: wire version ${flowWireVersion + 1} is not ours \\(${flowWireVersion}\\)\n`));
  assert.equal(result.code, 0, result.err);
});

test("workers: a rule whose file name would leave the sandbox fails with a clear message", async () => {
  const root = temporary();
  mkdirSync(join(root, "sub"));
  writeFileSync(join(root, "sub", "w.mf"), "out: ../outside\n\tcat ../outside > out\n");
  writeFileSync(join(root, "outside"), "x");
  let err = "";
  const code = await runFlow(
    { file: join(root, "sub", "w.mf"), target: "workers", port: 0, progress: false, environment: {}, onListening: (port) => startWorker({ host: "127.0.0.1", port, workDirectory: temporary() }, { clock }) },
    { clock, random: Math.random, output: { out: () => {}, err: (t) => (err += t) } },
  );
  assert.equal(code, 1);
  assert.match(err, /'\.\.\/outside' would escape the worker's sandbox \(a '\.\.' segment\); rename it with local->remote/);
});

test("workers: the worker itself refuses absolute and '..' names from a master", async () => {
  const answers: Array<Record<string, unknown>> = [];
  const master = await fakeMaster({
    opened: (send) => {
      send({ type: "task", task: 1, command: "echo pwned > /tmp/x", environment: {}, inputs: [], outputs: ["/etc/evil"] });
      send({ type: "task", task: 2, command: "true", environment: {}, inputs: [{ name: "../../escape", hash: "0".repeat(64) }], outputs: [] });
    },
    frame: (frame, send) => {
      if (frame.header.type === "result") answers.push(frame.header);
      if (answers.length === 2) send({ type: "bye" });
    },
  });
  const worker = startWorker({ host: "127.0.0.1", port: master.port, workDirectory: temporary() }, { clock });
  await worker.closed;
  await master.close();
  assert.deepEqual(answers.map((a) => a.refused), ["'/etc/evil' would escape the sandbox (an absolute path)", "'../../escape' would escape the sandbox (a '..' segment)"]);
});

test("workers: fast abort — a task stuck on one worker is aborted and rerun on the other", async () => {
  const root = temporary();
  const marker = join(root, "first-attempt");
  const quick = Array.from({ length: 12 }, (_, i) => `q${i}:\n\tsleep 0.02; touch q${i}`);
  // Only the first attempt hangs (the marker remembers it); the rerun finishes at once.
  const slow = `slow: ${Array.from({ length: 12 }, (_, i) => `q${i}`).join(" ")}\n\tif [ ! -e ${marker} ]; then touch ${marker}; sleep 120; fi; touch slow`;
  writeFileSync(join(root, "w.mf"), `${[...quick, slow].join("\n")}\n`);
  let out = "";
  let err = "";
  const workers: WorkerHandle[] = [];
  const code = await runFlow(
    {
      file: join(root, "w.mf"),
      target: "workers",
      port: 0,
      progress: false,
      json: true,
      environment: {},
      fastAbortMultiplier: 3,
      onListening: (port) => {
        for (let i = 0; i < 2; i++) workers.push(startWorker({ host: "127.0.0.1", port, cores: 1, workDirectory: join(temporary(), `w${i}`) }, { clock }));
      },
    },
    { clock, random: Math.random, output: { out: (t) => (out += t), err: (t) => (err += t) } },
  );
  assert.equal(code, 0, err);
  assert.match(err, /fast abort 1 of at most 3: ran [\d.]+ s, past [\d.]+ s \(mean [\d.]+ s \+ [^)]*\) of category 'default'/);
  const slowRuns = out.trim().split("\n").map((line) => JSON.parse(line)).filter((e) => e.target === "slow" && e.state === "running");
  assert.equal(slowRuns.length, 2, "the slow rule ran twice: the straggler and its rerun");
  assert.notEqual(slowRuns[0].executorId, slowRuns[1].executorId, "the rerun ran on the other worker");
  assert.equal(readFileSync(join(root, "slow"), "utf8"), "");
  await Promise.all(workers.map((w) => w.closed));
});

test("workers: the master prints the end of a failed remote command's output under its failure", async () => {
  const root = temporary();
  writeFileSync(join(root, "w.mf"), "out:\n\techo working; echo why-it-failed >&2; exit 2\n");
  const result = await withWorkers(root, {}, (port) => {
    startWorker({ host: "127.0.0.1", port, workDirectory: temporary() }, { clock });
  });
  assert.equal(result.code, 1);
  assert.match(result.err, /skein flow: out: failed: exit code 2\n {2}\| working\n {2}\| why-it-failed\n/);
});

test("workers: small outputs travel inside the result frame, large ones stream before it; a kept sandbox is empty for its next task", async () => {
  const seen: Array<{ type: string; task: unknown; inline?: unknown; payload: string }> = [];
  const task = (task: number, command: string, outputs: string[]) => ({ type: "task", task, command, environment: {}, inputs: [], outputs });
  const hello = (send: SendFrame) => {
    send(task(1, "echo hi > small; chmod 640 small; mkdir -p d; touch d/e junk; chmod 755 d/e; mkdir -p left/over", ["small", "d"]));
    send(task(2, "head -c 100000 /dev/zero > big", ["big"]));
  };
  const master = await fakeMaster({ opened: hello, frame: (frame, send) => {
    if (frame.header.type === "heartbeat" || frame.header.type === "cached") return;
    const { type, task: id, inline } = frame.header as Record<string, unknown> & { type: string };
    seen.push({ type, task: id, inline, payload: type === "output" ? String(frame.payload.length) : frame.payload.toString() });
    const results = seen.filter((s) => s.type === "result").length;
    // Task 3 is sent once tasks 1 and 2 are done, so it runs in one of their emptied sandboxes.
    if (type === "result" && results === 2) send(task(3, "ls -A > list; chmod 600 list", ["list"]));
    if (type === "result" && results === 3) send({ type: "bye" });
  } });
  const worker = startWorker({ host: "127.0.0.1", port: master.port, cores: 1, workDirectory: temporary() }, { clock });
  assert.equal(await worker.closed, "the master finished");
  await master.close();
  assert.deepEqual(seen, [
    { type: "result", task: 1, inline: [{ name: "small", bytes: 3, mode: 0o640 }, { name: "d", directory: true }, { name: "d/e", bytes: 0, mode: 0o755 }], payload: "hi\n" },
    { type: "output", task: 2, inline: undefined, payload: "100000" },
    { type: "result", task: 2, inline: undefined, payload: "" },
    { type: "result", task: 3, inline: [{ name: "list", bytes: 5, mode: 0o600 }], payload: "list\n" },
  ]);
});

test("workers: the master drops a worker whose inline outputs are undeclared, do not match their bytes or claim setuid; another worker completes the run", async () => {
  const root = temporary();
  writeFileSync(join(root, "w.mf"), "out:\n\ttouch out\n");
  const lies = [
    { inline: [{ name: "../evil", bytes: 0 }], payload: Buffer.alloc(0) },
    { inline: [{ name: "out", bytes: 5, mode: 0o644 }], payload: Buffer.from("ab") },
    { inline: [{ name: "out", bytes: 0, mode: 0o4755 }], payload: Buffer.alloc(0) },
  ];
  const result = await withWorkers(root, {}, (port) => {
    const next = () => {
      const lie = lies.shift();
      if (!lie) return void startWorker({ host: "127.0.0.1", port, workDirectory: temporary() }, { clock });
      const socket = connect({ host: "127.0.0.1", port });
      const liar = new FlowWire(socket, { role: "connector", self: "liar", password: undefined, info: { cores: 1 } }, {
        opened: () => socket.write(encodeFrame({ type: "cached", entries: [] })), // a worker's first frame (frames.ts)
        frame: ({ header }) => {
          if (header.type === "task") socket.write(encodeFrame({ type: "result", task: header.task, exitCode: 0, signal: null, missing: [], inline: lie.inline }, lie.payload));
        },
      });
      socket.on("data", (chunk: Buffer) => liar.push(chunk));
      socket.on("close", next);
    };
    next();
  });
  assert.equal(result.code, 0, result.err);
  assert.match(result.err, /worker-1 left \(protocol error: undeclared output '\.\.\/evil'\): its task waits for a worker to connect/);
  assert.match(result.err, /worker-2 left \(protocol error: inline output sizes do not match the payload\)/);
  assert.match(result.err, /worker-3 left \(protocol error: bad mode for output 'out'\)/);
  assert.equal(readFileSync(join(root, "out"), "utf8"), "");
  assert.deepEqual(readdirSync(root).sort(), ["out", "w.mf", "w.mf.skeinlog"].sort());
});
