/**
 * The real `Clock` (see `@skein/core`): `process.hrtime()`, `Date.now()` and Node's timers.
 * Programs that drive flow or other clock-taking code outside the simulator pass `realClock()`;
 * the simulator's counterpart is `contextClock(ctx)`.
 */
import type { Clock, Timer } from "@skein/core";

/** Node's timers overflow (and fire at once) above 2^31 − 1 ms, so long delays go in steps. */
const timerDelayMsMax = 2 ** 31 - 1;

class RealTimer implements Timer {
  private handle: NodeJS.Timeout | undefined;
  private cancelled = false;

  constructor(
    delayMs: number,
    private readonly callback: () => void,
    private readonly periodMs: number | undefined,
  ) {
    this.arm(delayMs);
  }

  get active(): boolean {
    return !this.cancelled;
  }

  cancel(): void {
    this.cancelled = true;
    clearTimeout(this.handle);
    this.handle = undefined;
  }

  private arm(delayMs: number): void {
    const stepMs = Math.min(Math.max(0, delayMs), timerDelayMsMax);
    this.handle = setTimeout(() => {
      if (delayMs > stepMs) return this.arm(delayMs - stepMs);
      if (this.periodMs === undefined) this.cancelled = true;
      else this.arm(this.periodMs);
      this.callback();
    }, stepMs);
  }
}

/**
 * Monotone milliseconds from `process.hrtime()` rather than `performance.now()`: the global
 * `performance` loads perf_hooks (ten internal modules, ≈ 3 ms of every `skein flow` start).
 */
function nowMs(): number {
  const [seconds, nanoseconds] = process.hrtime();
  return seconds * 1_000 + nanoseconds / 1e6;
}

const clock: Clock = {
  nowMs,
  epochMs: () => Date.now(),
  setTimer: (delayMs, callback) => new RealTimer(delayMs, callback, undefined),
  setPeriodic: (intervalMs, callback) => new RealTimer(intervalMs, callback, Math.max(1, intervalMs)),
};

/** The real clock: one shared, stateless instance. */
export function realClock(): Clock {
  return clock;
}
