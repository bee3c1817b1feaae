// Simulator throughput: a bare typed-array binary-heap event loop (the baseline: the least any
// discrete-event simulator must do per event) against ping-pong messages through the full
// runtime — dispatch, envelopes, topology, handlers — at 1 000 and 100 000 nodes, plus the
// heap cost of a node. Prints one JSON object per line.
import { ref, type ServiceFactory, service } from "@skein/core";
import { constant, runLoop, Simulation, uniform } from "@skein/sim";

const EVENTS = Number(process.env.SKEIN_BENCH_EVENTS ?? 3_000_000);

interface Result {
  name: string;
  value: number;
  unit: string;
  baseline: number | null;
  ratio: number | null;
  [extra: string]: unknown;
}
const print = (r: Result) => console.log(JSON.stringify(r));

/** The baseline: pop the earliest event, push a new one a random delay later. */
function bareHeapLoop(pending: number, events: number): number {
  const capacity = pending + 1;
  const times = new Float64Array(capacity);
  const ids = new Int32Array(capacity);
  let size = 0;
  let state = 12345;
  const random = () => ((state = (Math.imul(state, 1103515245) + 12345) | 0) >>> 0) / 4294967296;
  const push = (time: number, id: number) => {
    let i = size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (times[parent]! <= time) break;
      times[i] = times[parent]!;
      ids[i] = ids[parent]!;
      i = parent;
    }
    times[i] = time;
    ids[i] = id;
  };
  const pop = (): number => {
    const top = ids[0]!;
    const last = --size;
    const time = times[last]!;
    const id = ids[last]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= last) break;
      if (child + 1 < last && times[child + 1]! < times[child]!) child++;
      if (times[child]! >= time) break;
      times[i] = times[child]!;
      ids[i] = ids[child]!;
      i = child;
    }
    times[i] = time;
    ids[i] = id;
    return top;
  };
  for (let i = 0; i < pending; i++) push(random() * 10, i);
  const start = performance.now();
  let now = 0;
  for (let n = 0; n < events; n++) {
    const t = times[0]!;
    const id = pop();
    now = t;
    push(now + 1 + random() * 9, id);
  }
  return events / ((performance.now() - start) / 1000);
}

type PingPong = { ping: { request: { hops: number }; reply: void } };

/** Each node starts one ping; whoever receives a ping sends it on to a random node. */
const pinger = (nodes: number) =>
  service<PingPong>((ctx) => ({
    start: () => ctx.send(ref<PingPong>(`n${Math.floor(ctx.random() * nodes)}`, "ping"), { type: "ping", hops: 0 }),
    handlers: {
      ping: ({ hops }) => ctx.send(ref<PingPong>(`n${Math.floor(ctx.random() * nodes)}`, "ping"), { type: "ping", hops: hops + 1 }),
    },
  }));

async function pingPong(nodes: number, events: number, copyMessages: boolean): Promise<number> {
  const sim = new Simulation({ seed: 1, hashTrace: false, copyMessages, topology: uniform(1, 10) });
  const factory = pinger(nodes);
  for (let i = 0; i < nodes; i++) sim.addNode(`n${i}`, { ping: factory });
  await runLoop(sim, { untilMs: 0 });
  const start = performance.now();
  const startEvents = sim.stats.events;
  await runLoop(sim, { untilMs: Number.POSITIVE_INFINITY, stopWhen: () => sim.stats.events - startEvents >= events });
  return (sim.stats.events - startEvents) / ((performance.now() - start) / 1000);
}

/** Heap bytes per started node whose service is `factory`, measured across 100 000 nodes. */
function heapBytesPerNode(nodes: number, factory: ServiceFactory): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return Number.NaN;
  gc();
  const before = process.memoryUsage().heapUsed;
  const sim = new Simulation({ seed: 1, hashTrace: false, topology: constant(1) });
  for (let i = 0; i < nodes; i++) sim.addNode(`n${i}`, { ping: factory }, { start: false });
  for (const host of sim.nodeList) host.start();
  gc();
  const after = process.memoryUsage().heapUsed;
  if (sim.nodeList.length !== nodes) throw new Error("unreachable");
  return (after - before) / nodes;
}

/** A plain handler-style service: a little state and one handler; nothing in flight. */
const handlerService = service<PingPong>((ctx) => {
  const state = { pings: 0 };
  return { handlers: { ping: () => void (state.pings += ctx.random() > 2 ? 1 : 0) } };
});
/** One service instance shared by every node: what remains is the runtime's own cost. */
const sharedInstance = { handlers: { ping: () => {} } };
const sharedService = service<PingPong>(() => sharedInstance);

const baseline1k = bareHeapLoop(1_000, EVENTS);
print({ name: "sim.bare-heap-loop.1k-pending", value: Math.round(baseline1k), unit: "events/s", baseline: null, ratio: null });
for (const copy of [false, true]) {
  const rate = await pingPong(1_000, EVENTS, copy);
  print({ name: `sim.ping-pong.1k-nodes${copy ? ".copy-messages" : ""}`, value: Math.round(rate), unit: "events/s", baseline: Math.round(baseline1k), ratio: +(rate / baseline1k).toFixed(3), target: copy ? null : 0.5 });
}
const baseline100k = bareHeapLoop(100_000, EVENTS);
print({ name: "sim.bare-heap-loop.100k-pending", value: Math.round(baseline100k), unit: "events/s", baseline: null, ratio: null });
const rate100k = await pingPong(100_000, EVENTS, false);
print({ name: "sim.ping-pong.100k-nodes", value: Math.round(rate100k), unit: "events/s", baseline: Math.round(baseline100k), ratio: +(rate100k / baseline100k).toFixed(3) });
for (const [name, factory] of [["runtime-only", sharedService], ["handler-service", handlerService]] as const) {
  const perNode = heapBytesPerNode(100_000, factory);
  print({ name: `sim.heap-per-node.${name}`, value: Math.round(perNode), unit: "bytes", baseline: 1024, ratio: +(perNode / 1024).toFixed(3), note: "baseline is the 1 KB budget per node; includes node id, registry entry and random stream" });
}
