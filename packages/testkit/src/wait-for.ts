import type { Clock } from "@skein/core";

/**
 * Resolves once `condition()` holds, checking it every 10 ms of `clock`'s time; rejects, naming
 * `what`, after `timeoutMs`. Tests of real processes and sockets pass `realClock()`.
 */
export async function waitFor(clock: Clock, condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadlineMs = clock.nowMs() + timeoutMs;
  while (!condition()) {
    if (clock.nowMs() > deadlineMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => clock.setTimer(10, resolve));
  }
}
