// A virtual clock for unit tests: sleeps are timers on a queue, and `run` fires them in time
// order whenever the code under test is idle, so tests are instant and deterministic.
import type { RetryEnvironment } from "../src/environment.ts";

interface Timer {
  atMs: number;
  sequence: number;
  fire: () => void;
}

/** mulberry32: a tiny seeded generator, so the "random" jitter is reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class FakeEnvironment implements RetryEnvironment {
  nowMs = 0;
  /** Every sleep requested, in order, in ms. */
  readonly sleepsMs: number[] = [];
  private readonly timers: Timer[] = [];
  private sequence = 0;
  private readonly randomSource: () => number;

  constructor(options: { seed?: number; random?: () => number } = {}) {
    this.randomSource = options.random ?? seededRandom(options.seed ?? 1);
  }

  now(): number {
    return this.nowMs;
  }

  random(): number {
    return this.randomSource();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleepsMs.push(ms);
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const timer: Timer = { atMs: this.nowMs + Math.max(0, ms), sequence: this.sequence++, fire: resolve };
      const onAbort = (): void => {
        this.timers.splice(this.timers.indexOf(timer), 1);
        reject(signal?.reason);
      };
      timer.fire = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.timers.push(timer);
    });
  }

  /** Number of sleeps still pending. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Runs `promise` to completion, advancing virtual time whenever nothing else can happen. */
  async run<T>(promise: Promise<T>, options: { timersMax?: number } = {}): Promise<T> {
    let settled = false;
    const tracked = promise.finally(() => {
      settled = true;
    });
    tracked.catch(() => {});
    const timersMax = options.timersMax ?? 100_000;
    for (let fired = 0; ; fired++) {
      await macrotask();
      if (settled) return tracked;
      if (this.timers.length === 0) throw new Error("deadlock: the operation waits on no timer");
      if (fired >= timersMax) throw new Error(`still running after ${timersMax} timers`);
      this.timers.sort((a, b) => a.atMs - b.atMs || a.sequence - b.sequence);
      const timer = this.timers.shift()!;
      this.nowMs = Math.max(this.nowMs, timer.atMs);
      timer.fire();
    }
  }
}
