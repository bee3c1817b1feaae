// skein-io-adapter: test support: polls real time, for tests of real processes and sockets.
/**
 * Resolves once `condition()` holds, checking every 10 ms of real time; rejects, naming `what`,
 * after `timeoutMs`. For tests that watch real processes or sockets; protocol tests use the
 * simulator's time instead.
 */
export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadlineMs = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadlineMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
