// TCP runtime throughput and latency between two node processes on loopback. Baseline (same
// run): a bare node:net socket pair with the same 4-byte length-prefix framing, one `write` per
// message and no encoding. Skein: 128-byte payloads sent from one NetNode to another
// (envelopes, msgpack, coalesced writes, dispatch to a handler). Then RPC round trips, one at
// a time, p50/p99. Prints one JSON object per line.
//   tsx bench/net.ts            (or: npm run bench -- net)
import { spawn } from "node:child_process";
import { connect, createServer } from "node:net";
import { createInterface } from "node:readline";
import { type Context, MessageError, ref, service } from "@skein/core";
import { NetNode } from "@skein/net";

const MESSAGES = Number(process.env.SKEIN_BENCH_NET_MESSAGES ?? 1_000_000);
const CALLS = Number(process.env.SKEIN_BENCH_NET_CALLS ?? 20_000);
const PAYLOAD_BYTES = 128;
const SEND_CHUNK = 4096;
const SECRET = "bench";
/** Extra node options for the child processes, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the receivers. */
const CHILD_NODE_OPTIONS = (process.env.SKEIN_BENCH_NET_CHILD_OPTIONS ?? "").split(" ").filter(Boolean);
/** Skip the bare-socket baseline (for profiling the Skein path alone). */
const SKIP_BASELINE = process.env.SKEIN_BENCH_NET_SKIP_BASELINE === "1";

type Sink = { m: { request: { p: string }; reply: void }; echo: { request: { p: string }; reply: { p: string } } };
type Probe = { done: { request: { count: number }; reply: void } };

const print = (r: { name: string; value: number; unit: string; baseline: number | null; ratio: number | null; [k: string]: unknown }) => console.log(JSON.stringify(r));
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** CPU time (user + system) of this process, in µs. */
const cpuUs = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};
/** A receiver reports its CPU time from the first message to the last on stdout. */
let cpuAtFirst = 0;
const received = (count: number) => {
  if (count === 1) cpuAtFirst = cpuUs();
  else if (count === MESSAGES) console.log(`cpu ${cpuUs() - cpuAtFirst}`);
};

function bareReceiver(): void {
  let count = 0;
  let pending = Buffer.alloc(0);
  const server = createServer((socket) => {
    socket.on("data", (chunk: Buffer) => {
      let data = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let offset = 0;
      while (data.length - offset >= 4) {
        const length = data.readUInt32BE(offset);
        if (data.length - offset - 4 < length) break;
        offset += 4 + length;
        received(++count);
        if (count === MESSAGES) socket.write(Buffer.from([1]));
      }
      data = data.subarray(offset);
      pending = Buffer.from(data);
    });
  });
  server.listen(0, "127.0.0.1", () => console.log(`port ${(server.address() as { port: number }).port}`));
}

/** Echoes every frame back (for the bare RPC round trip, which shows the machine's floor). */
function bareEcho(): void {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => socket.write(chunk));
  });
  server.listen(0, "127.0.0.1", () => console.log(`port ${(server.address() as { port: number }).port}`));
}

async function skeinReceiver(): Promise<void> {
  const node = new NetNode({ id: "receiver", secret: SECRET, onLog: () => {} });
  let count = 0;
  node.addService(
    "sink",
    service<Sink>((ctx) => ({
      handlers: {
        m: () => {
          received(++count);
          if (count === MESSAGES) ctx.send(ref<Probe>("sender", "probe"), { type: "done", count });
        },
        echo: ({ p }) => ({ p }),
      },
    })),
  );
  const address = await node.start();
  console.log(`port ${address.port}`);
}

interface Child {
  readonly port: number;
  /** The receiver's CPU time for the one-way run, µs (once it has received every message). */
  readonly cpuUs: Promise<number>;
  kill(): void;
}

async function child(role: string): Promise<Child> {
  const process_ = spawn(process.execPath, [...CHILD_NODE_OPTIONS, "--import", "tsx", new URL(import.meta.url).pathname, role], { stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: process_.stdout! });
  const port = await new Promise<number>((resolve) => lines.once("line", (line) => resolve(Number(line.split(" ")[1]))));
  const cpuUs = new Promise<number>((resolve) => lines.once("line", (line) => resolve(Number(line.split(" ")[1]))));
  // SIGTERM lets a profiled child exit normally and write its profile
  return { port, cpuUs, kill: () => process_.kill(CHILD_NODE_OPTIONS.length > 0 ? "SIGTERM" : "SIGKILL") };
}

/** Throughput, and CPU time per message (ns) of each process while it lasted. */
interface OneWay {
  readonly rate: number;
  readonly senderCpuNs: number;
  readonly receiverCpuNs: number;
}

const perMessageNs = (us: number) => Math.round((us * 1000) / MESSAGES);

async function bareBaseline(): Promise<OneWay> {
  const receiver = await child("bare-receiver");
  const socket = connect({ host: "127.0.0.1", port: receiver.port });
  await new Promise((resolve) => socket.once("connect", resolve));
  socket.setNoDelay(true);
  const frame = Buffer.alloc(4 + PAYLOAD_BYTES, 120);
  frame.writeUInt32BE(PAYLOAD_BYTES, 0);
  const done = new Promise((resolve) => socket.once("data", resolve));
  const start = performance.now();
  const cpuStart = cpuUs();
  for (let i = 0; i < MESSAGES; i++) {
    if (!socket.write(frame)) await new Promise((resolve) => socket.once("drain", resolve));
  }
  await done;
  const seconds = (performance.now() - start) / 1000;
  const senderCpuNs = perMessageNs(cpuUs() - cpuStart);
  const receiverCpuNs = perMessageNs(await receiver.cpuUs);
  socket.destroy();
  receiver.kill();
  return { rate: MESSAGES / seconds, senderCpuNs, receiverCpuNs };
}

/** Sequential round trips of one small frame over a bare socket pair: p50 and p99 in µs. */
async function bareRoundTrips(): Promise<{ p50: number; p99: number }> {
  const echo = await child("bare-echo");
  const socket = connect({ host: "127.0.0.1", port: echo.port });
  await new Promise((resolve) => socket.once("connect", resolve));
  socket.setNoDelay(true);
  const frame = Buffer.from([0, 0, 0, 4, 112, 105, 110, 103]);
  const latencies: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const t0 = performance.now();
    let got = 0;
    await new Promise<void>((resolve) => {
      const onData = (chunk: Buffer) => {
        got += chunk.length;
        if (got < frame.length) return;
        socket.off("data", onData);
        resolve();
      };
      socket.on("data", onData);
      socket.write(frame);
    });
    latencies.push((performance.now() - t0) * 1000);
  }
  socket.destroy();
  echo.kill();
  return percentiles(latencies);
}

function percentiles(latencies: number[]): { p50: number; p99: number } {
  latencies.sort((a, b) => a - b);
  return { p50: latencies[Math.floor(latencies.length * 0.5)]!, p99: latencies[Math.floor(latencies.length * 0.99)]! };
}

async function skeinRun(): Promise<OneWay & { fullRefusals: number; p50: number; p99: number }> {
  const receiver = await child("skein-receiver");
  let ctx: Context | undefined;
  let finished: (() => void) | undefined;
  const node = new NetNode({ id: "sender", secret: SECRET, peers: { receiver: { host: "127.0.0.1", port: receiver.port } }, onLog: () => {} });
  node.addService(
    "probe",
    service<Probe>((c) => {
      ctx = c;
      return { handlers: { done: () => finished?.() } };
    }),
  );
  await node.start();
  const sink = ref<Sink>("receiver", "sink");
  await ctx!.call(sink, { type: "echo", p: "warm up" }, { timeoutMs: 10_000 });
  const payload = "x".repeat(PAYLOAD_BYTES);
  const done = new Promise<void>((resolve) => (finished = resolve));
  const start = performance.now();
  const cpuStart = cpuUs();
  let fullRefusals = 0;
  for (let sent = 0; sent < MESSAGES; ) {
    try {
      for (let i = 0; i < SEND_CHUNK && sent < MESSAGES; i++, sent++) ctx!.send(sink, { type: "m", p: payload });
    } catch (error) {
      if (!(error instanceof MessageError)) throw error;
      // queue full (65 536 messages, ≥ 0.1 s of work): back off instead of spinning, as a
      // well-behaved sender would; spinning burns the CPU the receiver needs on 2 cores
      fullRefusals++;
      await sleep(1);
      continue;
    }
    await yieldToLoop();
  }
  await done;
  const rate = MESSAGES / ((performance.now() - start) / 1000);
  const senderCpuNs = perMessageNs(cpuUs() - cpuStart);
  const receiverCpuNs = perMessageNs(await receiver.cpuUs);
  const latencies: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const t0 = performance.now();
    await ctx!.call(sink, { type: "echo", p: "ping" }, { timeoutMs: 10_000 });
    latencies.push((performance.now() - t0) * 1000);
  }
  node.stop();
  receiver.kill();
  return { rate, senderCpuNs, receiverCpuNs, fullRefusals, ...percentiles(latencies) };
}

const role = process.argv[2];
if (role) process.on("SIGTERM", () => process.exit(0));
if (role === "bare-receiver") bareReceiver();
else if (role === "bare-echo") bareEcho();
else if (role === "skein-receiver") await skeinReceiver();
else {
  const bare = SKIP_BASELINE ? { rate: Number.NaN, senderCpuNs: Number.NaN, receiverCpuNs: Number.NaN } : await bareBaseline();
  const baseline = bare.rate;
  // CPU ns per message of each process: on a loaded machine, what the code costs, whatever the scheduler did
  const cpu = (run: OneWay) => ({ senderCpuNsPerMessage: run.senderCpuNs, receiverCpuNsPerMessage: run.receiverCpuNs });
  print({ name: "net.bare-socket.one-way-128B", value: Math.round(baseline), unit: "msg/s", baseline: null, ratio: null, messages: MESSAGES, ...cpu(bare) });
  const skein = await skeinRun();
  print({ name: "net.skein.one-way-128B", value: Math.round(skein.rate), unit: "msg/s", baseline: Math.round(baseline), ratio: Number((skein.rate / baseline).toFixed(3)), messages: MESSAGES, ...cpu(skein), fullRefusals: skein.fullRefusals });
  print({ name: "net.skein.rpc-p50", value: Number(skein.p50.toFixed(1)), unit: "µs", baseline: 50, ratio: Number((skein.p50 / 50).toFixed(3)), calls: CALLS });
  print({ name: "net.skein.rpc-p99", value: Number(skein.p99.toFixed(1)), unit: "µs", baseline: null, ratio: null, calls: CALLS });
  // context for the latency target: a bare socket round trip on this machine, now
  const floor = await bareRoundTrips();
  print({ name: "net.bare-socket.rpc-p50", value: Number(floor.p50.toFixed(1)), unit: "µs", baseline: null, ratio: null, calls: CALLS });
  print({ name: "net.bare-socket.rpc-p99", value: Number(floor.p99.toFixed(1)), unit: "µs", baseline: null, ratio: null, calls: CALLS });
}
