/**
 * The runtime conformance suite: behaviour every Skein runtime must share, run against the
 * simulator and the TCP runtime alike (libp2p's interface-compliance tests, turmoil's sim/real
 * suites). Each test states what a service may rely on, whatever runs it.
 *
 * Where the runtimes must differ, the suite asserts only the common promise and says why:
 * - Time: the simulator's is virtual, the net runtime's real. Tests use short timeouts and
 *   never assert an exact duration — only order and "not before".
 * - Ordering: TCP keeps the order of messages between two nodes; the simulator's default
 *   topology draws an independent delay per message and may reorder. Delivery is checked as
 *   a set.
 * - A call to a crashed node: the simulator knows the node is down and reports
 *   UnreachableError after one network delay; the net runtime learns it when its link gives up
 *   connecting (connection refused, then backoff) — also UnreachableError, only later. After
 *   giving up, a net link fails calls fast for one backoff delay, so a restarted node may take
 *   that long to be reachable again; the test retries rather than assert the first call.
 */
import { test } from "node:test";
import { type Address, type Context, ref, service, type ServiceFactory } from "@skein/core";
import { type HarnessFactory, probe, type RuntimeHarness } from "./runtime-harness.ts";

type Echo = {
  echo: { request: { text: string }; reply: { text: string } };
  fail: { request: { why: string }; reply: never };
  hang: { request: object; reply: never };
  note: { request: { n: number }; reply: void };
};

/** An echo service that also fails on demand, never answers `hang`, and remembers notes. */
function echoService(notes: number[]): ServiceFactory {
  return service<Echo>(() => ({
    handlers: {
      echo: ({ text }) => ({ text }),
      fail: ({ why }) => {
        throw new Error(why);
      },
      hang: () => new Promise<never>(() => {}),
      note: ({ n }) => {
        notes.push(n);
      },
    },
  }));
}

const echoRef = (node: string) => ref<Echo>(node, "echo");

/** Tracks a promise's outcome so a harness can wait for it. */
function outcome<T>(promise: Promise<T>): { done: boolean; value?: T; error?: unknown } {
  const state: { done: boolean; value?: T; error?: unknown } = { done: false };
  promise.then(
    (value) => Object.assign(state, { done: true, value }),
    (error: unknown) => Object.assign(state, { done: true, error }),
  );
  return state;
}

async function withHarness(factory: HarnessFactory, body: (h: RuntimeHarness) => Promise<void>): Promise<void> {
  const harness = await factory();
  try {
    await body(harness);
  } finally {
    await harness.close();
  }
}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** Two nodes: `a` with a probe, `b` with the echo service. */
async function twoNodes(h: RuntimeHarness, notes: number[] = []): Promise<() => Context> {
  const p = probe();
  await h.addNode("b", { echo: echoService(notes) });
  await h.addNode("a", { probe: p.factory });
  return p.ctx;
}

/** Registers the suite for one runtime. `name` prefixes every test title. */
export function runtimeConformance(name: string, factory: HarnessFactory): void {
  const t = (title: string, body: (h: RuntimeHarness) => Promise<void>) => test(`${name} conformance: ${title}`, () => withHarness(factory, body));

  t("every message sent is delivered once (as a set: only TCP promises order)", async (h) => {
    const notes: number[] = [];
    const ctx = await twoNodes(h, notes);
    for (let n = 0; n < 50; n++) ctx().send(echoRef("b"), { type: "note", n });
    await h.until(() => notes.length === 50, 5_000, "50 notes delivered");
    assert([...notes].sort((x, y) => x - y).every((n, i) => n === i), `notes delivered: ${notes.join(",")}`);
    await h.run(50);
    assert(notes.length === 50, `a message was delivered twice: ${notes.length}`);
  });

  t("a call resolves with the handler's return value; a thrown error is a RemoteError", async (h) => {
    const ctx = await twoNodes(h);
    const ok = outcome(ctx().call(echoRef("b"), { type: "echo", text: "hello" }, { timeoutMs: 2_000 }));
    const bad = outcome(ctx().call(echoRef("b"), { type: "fail", why: "nope" }, { timeoutMs: 2_000 }));
    const unknown = outcome(ctx().call(ref<{ nosuch: { request: object; reply: void } }>("b", "echo"), { type: "nosuch" }, { timeoutMs: 2_000 }));
    await h.until(() => ok.done && bad.done && unknown.done, 5_000, "three replies");
    assert((ok.value as { text: string })?.text === "hello", `reply: ${JSON.stringify(ok)}`);
    const remote = bad.error as { name?: string; remoteMessage?: string };
    assert(remote?.name === "RemoteError" && remote.remoteMessage === "nope", `error: ${String(bad.error)}`);
    assert((unknown.error as { remoteName?: string })?.remoteName === "UnknownMessageType", `error: ${String(unknown.error)}`);
  });

  t("a call with no reply fails with TimeoutError, not before its timeout", async (h) => {
    const ctx = await twoNodes(h);
    const started = ctx().now();
    const hung = outcome(ctx().call(echoRef("b"), { type: "hang" }, { timeoutMs: 150 }));
    await h.until(() => hung.done, 5_000, "the call to time out");
    assert((hung.error as Error)?.name === "TimeoutError", `error: ${String(hung.error)}`);
    assert(ctx().now() - started >= 149, `timed out after only ${ctx().now() - started} ms`);
  });

  t("a call to a crashed node fails with UnreachableError", async (h) => {
    const ctx = await twoNodes(h);
    const first = outcome(ctx().call(echoRef("b"), { type: "echo", text: "up" }, { timeoutMs: 2_000 }));
    await h.until(() => first.done, 5_000, "the first reply");
    await h.crash("b");
    await h.run(20);
    const down = outcome(ctx().call(echoRef("b"), { type: "echo", text: "down" }, { timeoutMs: 10_000 }));
    await h.until(() => down.done, 10_000, "the call to a crashed node to fail");
    assert((down.error as Error)?.name === "UnreachableError", `error: ${String(down.error)}`);
    await h.restart("b");
    // The net runtime keeps failing calls fast for one backoff delay after its link gave up,
    // so the first call after the restart may still fail; within a few attempts one succeeds.
    let again: { done: boolean; value?: unknown; error?: unknown } = { done: false };
    for (let attempt = 0; attempt < 20 && again.value === undefined; attempt++) {
      if (attempt > 0) await h.run(50);
      again = outcome(ctx().call(echoRef("b"), { type: "echo", text: "again" }, { timeoutMs: 2_000 }));
      await h.until(() => again.done, 10_000, "a call after the restart");
    }
    assert((again.value as { text: string })?.text === "again", `after restart: ${String(again.error)}`);
  });

  t("timers fire in order, not early; a cancelled timer never fires; periodic timers repeat", async (h) => {
    const fired: string[] = [];
    let ctx: Context | undefined;
    await h.addNode("a", {
      timers: (c: Context) => {
        ctx = c;
        return { handlers: {} };
      },
    });
    const start = ctx!.now();
    let lateMs = Number.POSITIVE_INFINITY;
    ctx!.setTimer(60, () => fired.push("60"));
    ctx!.setTimer(20, () => {
      fired.push("20");
      lateMs = Math.min(lateMs, ctx!.now() - start);
    });
    ctx!.setTimer(40, () => fired.push("cancelled")).cancel();
    const periodic = ctx!.setPeriodic(10, () => fired.push("tick"));
    await h.until(() => fired.filter((f) => f === "tick").length >= 3 && fired.includes("60"), 5_000, "timers to fire");
    periodic.cancel();
    const ticks = fired.filter((f) => f === "tick").length;
    await h.run(50);
    assert(fired.filter((f) => f === "tick").length === ticks, "a cancelled periodic timer fired again");
    const order = fired.filter((f) => f !== "tick");
    assert(order.join(",") === "20,60", `one-shot timers fired as ${order.join(",")}`);
    assert(lateMs >= 19, `the 20 ms timer fired after ${lateMs} ms`);
  });

  t("a restarted node recovers what it synced to storage; its memory starts empty", async (h) => {
    const seen: Array<{ boots: number; memory: number; log: unknown[] }> = [];
    const counter = (ctx: Context) => {
      let memory = 0;
      return {
        handlers: {},
        async start() {
          memory++;
          const boots = (ctx.storage.get<number>("boots") ?? 0) + 1;
          ctx.storage.put("boots", boots);
          ctx.storage.append({ boot: boots });
          await ctx.storage.sync();
          seen.push({ boots, memory, log: ctx.storage.records() });
        },
      };
    };
    await h.addNode("a", { counter });
    await h.until(() => seen.length === 1, 5_000, "the first start");
    await h.crash("a");
    await h.restart("a");
    await h.until(() => seen.length === 2, 5_000, "the restart");
    assert(seen[1]!.boots === 2 && seen[1]!.memory === 1, `after restart: ${JSON.stringify(seen[1])}`);
    assert(JSON.stringify(seen[1]!.log) === JSON.stringify([{ boot: 1 }, { boot: 2 }]), `log: ${JSON.stringify(seen[1]!.log)}`);
  });

  t("barriers: all settles every call, quorum succeeds despite a dead node, first takes a success", async (h) => {
    const p = probe();
    for (const id of ["b", "c", "d"]) await h.addNode(id, { echo: echoService([]) });
    await h.addNode("a", { probe: p.factory });
    await h.crash("d");
    await h.run(20);
    const ctx = p.ctx();
    const call = (node: string, text: string) => ctx.call(echoRef(node), { type: "echo", text }, { timeoutMs: 3_000 });
    const all = outcome(ctx.all([call("b", "1"), call("c", "2"), call("d", "3")]));
    const q = outcome(ctx.quorum([call("b", "1"), call("c", "2"), call("d", "3")], 2, { timeoutMs: 3_000 }));
    const first = outcome(ctx.first([call("d", "x"), call("c", "y")]));
    const impossible = outcome(ctx.quorum([call("d", "1"), call("b", "2")], 2, { timeoutMs: 3_000 }));
    await h.until(() => all.done && q.done && first.done && impossible.done, 10_000, "the barriers");
    const settled = all.value as Array<{ ok: boolean }>;
    assert(settled.map((s) => s.ok).join(",") === "true,true,false", `all: ${JSON.stringify(settled)}`);
    assert((q.value as Array<{ text: string }>)?.length === 2, `quorum: ${String(q.error)}`);
    assert((first.value as { text: string })?.text === "y", `first: ${String(first.error)}`);
    assert((impossible.error as Error)?.name === "QuorumError", `impossible quorum: ${String(impossible.error)}`);
  });

  t("the clock does not go backwards; random() is in [0, 1)", async (h) => {
    const ctx = await twoNodes(h);
    let last = ctx().now();
    for (let i = 0; i < 100; i++) {
      const now = ctx().now();
      assert(now >= last, "the clock went backwards");
      last = now;
      const r = ctx().random();
      assert(r >= 0 && r < 1, `random() gave ${r}`);
    }
  });

  t("a handler sees the caller's address as the source", async (h) => {
    const sources: Address[] = [];
    const p = probe();
    await h.addNode("b", { who: service<{ who: { request: object; reply: void } }>(() => ({ handlers: { who: (_m, source) => void sources.push(source) } })) });
    await h.addNode("a", { probe: p.factory });
    p.ctx().send(ref<{ who: { request: object; reply: void } }>("b", "who"), { type: "who" });
    await h.until(() => sources.length === 1, 5_000, "the message");
    assert(sources[0]!.node === "a" && sources[0]!.service === "probe", `source: ${JSON.stringify(sources[0])}`);
  });
}
