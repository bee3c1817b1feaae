/**
 * Time and timers for code that is not a service yet must not read the wall clock itself: the
 * driver of a sans-IO state machine, an I/O adapter that needs a timeout. It takes a `Clock`,
 * and whoever starts the program picks one — `realClock()` from `@skein/net` (the real clock
 * and Node's timers), or `contextClock(ctx)` inside a service, which runs on the runtime's time
 * (virtual in the simulator). Services themselves use their `Context`, which has the same
 * members under its own names.
 *
 * The alternative, a `now` function and a timer function passed separately to each piece,
 * spreads the same three arguments over every constructor and lets one of them slip back to
 * the global clock unnoticed.
 */
import type { Context } from "./context.ts";
import type { Timer } from "./timer.ts";

export interface Clock {
  /** Milliseconds on a monotone clock: only differences matter. */
  nowMs(): number;
  /** Milliseconds since the Unix epoch, for records people read (may jump; virtual in a simulation). */
  epochMs(): number;
  /** Calls `callback` once after `delayMs`. */
  setTimer(delayMs: number, callback: () => void): Timer;
  /** Calls `callback` every `intervalMs` until cancelled. */
  setPeriodic(intervalMs: number, callback: () => void): Timer;
}

/** The clock of a service: its node's time and timers (a crash of the node cancels them). */
export function contextClock(ctx: Pick<Context, "now" | "setTimer" | "setPeriodic">): Clock {
  return {
    nowMs: () => ctx.now(),
    epochMs: () => ctx.now(),
    setTimer: (delayMs, callback) => ctx.setTimer(delayMs, callback),
    setPeriodic: (intervalMs, callback) => ctx.setPeriodic(intervalMs, callback),
  };
}
