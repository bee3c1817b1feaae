/**
 * The real `RetryEnvironment` of `@skein/ftsh` (retry, forAny, forAll, the ftsh shell): the
 * real clock, its timers and `Math.random`. ftsh itself never reaches for them; whoever starts
 * a program outside the simulator (the CLI) passes this one, a service passes its `Context`.
 */
import type { RetryEnvironment } from "@skein/ftsh";
import { realClock } from "./real-clock.ts";

const clock = realClock();

/** Resolves after `ms` on the real clock's timers (which handle delays beyond Node's limit). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      timer.cancel();
      reject(signal?.reason);
    };
    const timer = clock.setTimer(ms, () => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    });
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Monotone time, real timers and `Math.random`: the environment outside the simulator. */
export const realEnvironment: RetryEnvironment = {
  now: () => clock.nowMs(),
  sleep,
  random: () => Math.random(),
};
