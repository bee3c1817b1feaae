/**
 * The real `RetryEnvironment` of `@skein/ftsh` (retry, forAny, forAll, the ftsh shell): the
 * real clock, Node's timers and `Math.random`. ftsh itself never reaches for them; whoever starts
 * a program outside the simulator (the CLI) passes this one, a service passes its `Context`.
 */
import type { RetryEnvironment } from "@skein/ftsh";

/** Node's timers overflow (and fire at once) above 2^31 − 1 ms, so long sleeps go in chunks. */
const timerChunkMsMax = 2 ** 31 - 1;

function sleepChunk(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  let remainingMs = Math.max(0, ms);
  do {
    const chunkMs = Math.min(remainingMs, timerChunkMsMax);
    await sleepChunk(chunkMs, signal);
    remainingMs -= chunkMs;
  } while (remainingMs > 0);
}

/** Monotone time, real timers and `Math.random`: the environment outside the simulator. */
export const realEnvironment: RetryEnvironment = {
  now: () => performance.now(),
  sleep,
  random: () => Math.random(),
};

