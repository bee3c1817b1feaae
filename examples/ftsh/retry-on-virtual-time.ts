// retry, forAny and forAll on virtual time: the same code a Skein service runs with its Context
// (which provides now, sleep and random). Here a tiny hand-made clock stands in for the
// simulator, so the run takes no real time and prints the same thing on every run (seed 7).
// Run: npx tsx examples/ftsh/retry-on-virtual-time.ts
import { forAll, forAny, type RetryEnvironment, retry } from "@skein/ftsh";

/** A virtual clock: sleeps are queued and time jumps to the next one when all else waits. */
function virtualEnvironment(seed: number): RetryEnvironment & { drain(): Promise<void> } {
  let nowMs = 0;
  let state = seed;
  const timers: Array<{ atMs: number; wake: () => void }> = [];
  return {
    now: () => nowMs,
    random: () => {
      state = (state * 1103515245 + 12345) % 2 ** 31; // a seeded LCG, enough for an example
      return state / 2 ** 31;
    },
    sleep: (ms, signal) =>
      new Promise((resolve, reject) => {
        const timer = { atMs: nowMs + ms, wake: resolve };
        timers.push(timer);
        signal?.addEventListener("abort", () => {
          timers.splice(timers.indexOf(timer), 1);
          reject(signal.reason);
        });
      }),
    async drain() {
      for (;;) {
        await new Promise((resolve) => setImmediate(resolve));
        timers.sort((a, b) => a.atMs - b.atMs);
        const next = timers.shift();
        if (!next) return;
        nowMs = next.atMs;
        next.wake();
      }
    },
  };
}

const env = virtualEnvironment(7);
let calls = 0;
const mirrors = ["mirror-a", "mirror-b", "mirror-c"];

/** A mirror fetch: only mirror-c works, and only after 6 failed requests (so from the third round on). */
async function fetchFrom(mirror: string, signal: AbortSignal): Promise<string> {
  calls++;
  await env.sleep(100, signal); // the request takes 100 ms
  if (mirror !== "mirror-c" || calls < 7) throw new Error(`${mirror} unavailable`);
  return `data from ${mirror}`;
}

const work = (async () => {
  const found = await retry((signal) => forAny(mirrors, (mirror) => fetchFrom(mirror, signal)), {
    forMs: 60_000,
    backoff: { initialMs: 1000, factor: 2, maxMs: 10_000 },
    onEvent: (event) => {
      if (event.type === "delay") console.log(`t=${Math.round(env.now())} ms: round ${event.attempt} failed, waiting ${Math.round(event.delayMs)} ms`);
    },
  }, env);
  console.log(`t=${Math.round(env.now())} ms: ${found.value} (after ${calls} requests)`);
  const sizes = await forAll(mirrors, async (mirror, signal) => {
    await env.sleep(50 * mirror.length, signal);
    return mirror.length;
  });
  console.log(`t=${Math.round(env.now())} ms: forAll finished in parallel: ${sizes.join(", ")}`);
})();
await env.drain();
await work;
