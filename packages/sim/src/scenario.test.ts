import assert from "node:assert/strict";
import { test } from "node:test";
import { ref, service } from "@skein/core";
import { FAULT_KINDS } from "./nemesis.ts";
import { defineScenario, runScenario } from "./scenario.ts";
import { kv } from "./test-services.ts";
import { constant } from "./topology.ts";

type Ping = { ping: { request: { n: number }; reply: void } };

/** Every node pings a random other node each 10 ms; counts what it receives. */
const pinger = (peers: string[]) =>
  service<Ping>((ctx) => {
    const state = { received: 0 };
    return {
      state,
      start() {
        ctx.setPeriodic(10, () => {
          const others = peers.filter((p) => p !== ctx.node);
          ctx.send(ref<Ping>(others[Math.floor(ctx.random() * others.length)]!, "ping"), { type: "ping", n: ctx.now() });
        });
      },
      handlers: { ping: () => void state.received++ },
    };
  });

const pingScenario = defineScenario({
  name: "ping",
  nodes: 4,
  untilMs: 2_000,
  cluster: ({ nodes }) => {
    const peers = Array.from({ length: nodes }, (_, i) => `n${i}`);
    return Object.fromEntries(peers.map((id) => [id, { ping: pinger(peers) }]));
  },
  liveness: { withinMs: 1_000, conditions: { everyoneHears: (sim) => sim.nodeList.every((n) => (sim.service<{ state: { received: number } }>(n.id, "ping")?.state.received ?? 0) > 0) } },
});

test("determinism: the same seed gives the same trace hash; another seed another", async () => {
  const runs = await Promise.all([1, 1, 2].map((seed) => runScenario(pingScenario, { seed, nemesis: true })));
  assert.equal(runs[0]!.traceHash, runs[1]!.traceHash);
  assert.notEqual(runs[0]!.traceHash, runs[2]!.traceHash);
  assert.ok(runs.every((r) => r.ok));
});

test("trace: JSON lines covering sends, deliveries, timers, faults and phases", async () => {
  const lines: string[] = [];
  const result = await runScenario(pingScenario, { seed: 3, nemesis: { meanIntervalMs: 100 }, trace: (l) => lines.push(l) });
  const kinds = new Set(lines.map((l) => JSON.parse(l).e));
  for (const kind of ["phase", "start", "send", "deliver", "timer", "fault"]) assert.ok(kinds.has(kind), `no ${kind} event`);
  assert.ok(result.faultsFired && Object.keys(result.faultsFired).length > 0);
});

test("nemesis: each seed draws its own fault mix; over a campaign every kind fires", async () => {
  const fired = new Set<string>();
  const draws = new Set<string>();
  for (let seed = 1; seed <= 12; seed++) {
    const result = await runScenario(pingScenario, { seed, nemesis: { meanIntervalMs: 50 }, hashTrace: false });
    assert.deepEqual(result.violations, [], `seed ${seed}`);
    draws.add(result.nemesis!.kinds.join(","));
    for (const kind of Object.keys(result.faultsFired)) fired.add(kind);
  }
  assert.ok(draws.size > 3, `only ${draws.size} distinct fault mixes`);
  for (const kind of FAULT_KINDS) assert.ok(fired.has(kind), `${kind} never fired`);
});

test("invariants: a violation stops the run and names the invariant and time", async () => {
  const scenario = defineScenario({
    ...pingScenario,
    invariants: { fewPings: (sim) => (sim.stats.messagesDelivered < 50 ? true : `${sim.stats.messagesDelivered} pings delivered`) },
  });
  const result = await runScenario(scenario, { seed: 1 });
  assert.equal(result.ok, false);
  assert.equal(result.violations[0]!.name, "fewPings");
  assert.ok(result.virtualTimeMs < 2_000);
});

test("watchdog: no progress, liveness timeout, event storm and wall clock are reported", async () => {
  const idle = defineScenario({ name: "idle", cluster: () => ({ a: { kv } }), liveness: { withinMs: 1_000, conditions: { never: () => false } } });
  assert.equal((await runScenario(idle, { seed: 1 })).violations[0]!.kind, "no-progress");
  const slow = defineScenario({ ...pingScenario, liveness: { withinMs: 500, conditions: { never: () => false } } });
  assert.equal((await runScenario(slow, { seed: 1 })).violations[0]!.kind, "liveness");
  type Loop = { go: { request: object; reply: void } };
  const storm = defineScenario({
    name: "storm",
    topology: () => constant(0),
    cluster: () => ({
      a: {
        loop: service<Loop>((ctx) => ({
          start: () => ctx.send(ref<Loop>("a", "loop"), { type: "go" }),
          handlers: { go: () => ctx.send(ref<Loop>("a", "loop"), { type: "go" }) },
        })),
      },
    }),
  });
  const stormed = await runScenario(storm, { seed: 1, stormEventsMax: 10_000 });
  assert.equal(stormed.violations[0]!.kind, "event-storm");
  const walled = await runScenario(pingScenario, { seed: 1, untilMs: 1e9, wallLimitMs: 50, hashTrace: false });
  assert.equal(walled.violations[0]!.kind, "wall-clock");
});

test("a throwing scenario hook is reported as a violation, not a crash", async () => {
  const broken = defineScenario({ name: "broken", cluster: () => ({ a: { kv } }), invariants: { bad: () => { throw new Error("checker bug"); } } });
  const result = await runScenario(broken, { seed: 1 });
  assert.equal(result.violations[0]!.kind, "exception");
  assert.match(result.violations[0]!.message, /checker bug/);
});
