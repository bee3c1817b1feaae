/**
 * The event loop with its watchdog. After an event that started promise work, it waits for a
 * macrotask boundary (`setImmediate`), by which time Node has run every microtask — every
 * `await` continuation the event set off — before the next event is taken.
 */
import type { Simulation } from "./simulation.ts";

/** Default bound on events handled without virtual time advancing (an event storm). */
export const STORM_EVENTS_MAX_DEFAULT = 1_000_000;
/** Events between checks of the wall clock (and yields to the host event loop). */
const YIELD_EVERY_EVENTS = 8192;

export interface WatchdogInit {
  /** Stop with reason "wall" once a run has taken this long in real time. */
  readonly wallDeadlineMs?: number;
  /** Stop with reason "storm" after this many events at one virtual time. */
  readonly stormEventsMax?: number;
}

export interface RunLoopInit {
  /** Stop before the first event later than this virtual time (the clock is moved there). */
  readonly untilMs: number;
  /** After each event (and its continuations): return true to stop. */
  readonly stopWhen?: () => boolean;
  /** After each event (and its continuations): invariants, probes. */
  readonly afterEvent?: () => void;
  readonly watchdog?: WatchdogInit;
}

export type LoopStop =
  | { readonly reason: "time" | "idle" | "condition" }
  | { readonly reason: "storm" | "wall"; readonly message: string };

const drain = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs events until `untilMs`, an empty queue, `stopWhen`, or the watchdog stops it. */
export async function runLoop(sim: Simulation, init: RunLoopInit): Promise<LoopStop> {
  const stormMax = init.watchdog?.stormEventsMax ?? STORM_EVENTS_MAX_DEFAULT;
  const wallDeadline = init.watchdog?.wallDeadlineMs ?? Number.POSITIVE_INFINITY;
  let lastTime = sim.timeMs;
  let sameTime = 0;
  let sinceYield = 0;
  if (init.stopWhen?.()) return { reason: "condition" };
  for (;;) {
    const next = sim.nextEventTime();
    if (next === Number.POSITIVE_INFINITY) return { reason: "idle" };
    if (next > init.untilMs) {
      sim.advanceTo(init.untilMs);
      return { reason: "time" };
    }
    sim.step();
    if (sim.takeAsyncPending()) {
      await drain();
      sim.takeAsyncPending();
    }
    if (sim.timeMs !== lastTime) {
      lastTime = sim.timeMs;
      sameTime = 0;
    } else if (++sameTime > stormMax) {
      return { reason: "storm", message: `event storm: more than ${stormMax} events at t=${sim.timeMs}ms without time advancing` };
    }
    init.afterEvent?.();
    if (init.stopWhen?.()) return { reason: "condition" };
    if (++sinceYield >= YIELD_EVERY_EVENTS) {
      sinceYield = 0;
      if (performance.now() > wallDeadline) return { reason: "wall", message: `wall-clock limit reached at t=${sim.timeMs}ms` };
      await drain();
    }
  }
}
