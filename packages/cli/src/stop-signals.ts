import { type StopSignal, stopSignals } from "@skein/ftsh/stop-signals";

export { type StopSignal, stopSignals };

/**
 * Calls `stop` with each stop signal (SIGINT, SIGTERM, SIGHUP) the process receives while
 * listening, instead of Node's default of dying at once; returns how to stop listening.
 * (`skein flow` has its own, shared by nested runs: flow/src/run/execute.ts.)
 */
export function onStopSignals(stop: (signal: StopSignal) => void): () => void {
  const handlers = (Object.keys(stopSignals) as StopSignal[]).map((name) => {
    const handler = (): void => stop(name);
    process.on(name, handler);
    return () => process.off(name, handler);
  });
  return () => {
    for (const remove of handlers) remove();
  };
}
