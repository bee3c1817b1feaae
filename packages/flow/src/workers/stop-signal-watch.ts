// skein-io-adapter: notes which stop signal (SIGINT, SIGTERM, SIGHUP) reached the master.
/**
 * Why the master's run ended, for its goodbye to the workers: a workflow that finished sends
 * them home (they exit 0), a run a signal stopped keeps its log for a resume, so its workers
 * keep reconnecting and the restarted master gets them back. A back end is not told how the
 * run ended (`BackEnd.close()` takes nothing; `run/execute.ts` owns the signal handling), so
 * the workers back end notes the first stop signal itself while it is open.
 *
 * It never changes what a signal does: its listener only takes note while another (the run's)
 * handles the signal; a signal that reaches it alone is raised again once it has stopped
 * listening, so the process dies of it as it would have without this listener.
 */
import { type StopSignal, stopSignals } from "@skein/ftsh/stop-signals";

export interface StopSignalWatch {
  /** The first stop signal the process received while watching. */
  readonly signal: StopSignal | undefined;
  /** Stops watching (idempotent). */
  close(): void;
}

export function watchStopSignals(): StopSignalWatch {
  let signal: StopSignal | undefined;
  const names = Object.keys(stopSignals) as StopSignal[];
  const close = () => {
    for (const name of names) process.off(name, noted);
  };
  // first among the listeners, so the run's one-shot handler is still counted when it runs
  function noted(name: NodeJS.Signals): void {
    if (process.listenerCount(name) > 1) {
      signal ??= name as StopSignal;
      return;
    }
    close();
    process.kill(process.pid, name);
  }
  for (const name of names) process.prependListener(name, noted);
  return {
    get signal() {
      return signal;
    },
    close,
  };
}
