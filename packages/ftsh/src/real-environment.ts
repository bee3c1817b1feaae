// skein-io-adapter: the real clock, timers and randomness behind the default RetryEnvironment.
import type { RetryEnvironment } from "./environment.ts";

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

/** Wall-clock time, real timers and `Math.random`: the environment outside the simulator. */
export const realEnvironment: RetryEnvironment = {
  now: () => performance.now(),
  sleep,
  random: () => Math.random(),
};

