// skein-io-adapter: yields one macrotask to the host event loop so that every promise
// continuation the replayed events set off has run — what Node does between two real
// macrotasks, and what the simulator's run loop does after each event.

/** Resolves after every microtask queued so far (and those they queue) has run. */
export function drainContinuations(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
