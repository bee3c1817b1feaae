/**
 * `skein worker` as users run it: a worker that outlives its connections. When there is no
 * master yet, or the connection breaks or the master goes silent, it connects again after
 * ftsh's exponential backoff (`min(R·T·F^N, M)`, R uniform in [1, 2]) until it has been
 * `timeoutMs` without a master — as Work Queue's workers do. So workers may be started before
 * their master (a batch system starts them when it likes), and a master killed and started
 * again to resume its workflow gets its workers back — whether it vanished (`kill -9`) or said
 * in its goodbye that a signal stopped it. The input cache outlives the connections: each new
 * one starts by announcing the entries it holds, and the master sends only the others (a
 * transfer cut short is dropped, never appended to). It stops for good when the master says its workflow is over (exit code
 * 0, whether the workflow succeeded or failed: the reason says which — see `SupervisedWorker.done`), when the master refuses it (a wrong password: trying again cannot help), or when it is
 * killed.
 */
import type { Clock, Timer } from "@skein/core";
import { type BackoffInit, backoffDelayMs, resolveBackoff } from "@skein/ftsh/backoff";
import { join, resolve } from "node:path";
import { InputCache } from "./input-cache.ts";
import { cacheBytesMax, startWorker, type WorkerHandle, type WorkerInit } from "./worker.ts";

export interface SupervisorInit {
  /** Stop after this long without a master (default 15 minutes, as Work Queue's workers). */
  readonly timeoutMs?: number;
  /** Waits between attempts (default: 1 s, doubling, at most 1 minute). */
  readonly backoff?: BackoffInit;
}

export interface SupervisorComponents {
  /** Time and timers (`realClock()` from @skein/net). */
  readonly clock: Clock;
  /** Uniform in [0, 1): the jitter of the waits. */
  readonly random: () => number;
}

export interface SupervisedWorker {
  /**
   * Resolves when the worker stops for good: exit code 0 when the master finished — also when
   * its workflow failed (`the master finished: the workflow failed (rule 'x' … failed: …)`): the
   * worker did its part, the master's exit code reports the workflow, and a worker restarted on
   * failure (systemd's `Restart=on-failure`, a batch system's requeue) could only wait for a
   * master that is gone, as Work Queue's worker exits 0 when its manager goes away — else 1.
   */
  readonly done: Promise<{ code: number; reason: string }>;
  /** Connections the master had welcomed, counted when they end. */
  readonly connections: () => number;
  /** Input files and bytes received over every connection (the cache outlives them), for tests. */
  readonly received: () => { files: number; bytes: number };
  /** Stops at once: the current connection drops and its running tasks are killed. */
  kill(): void;
}

export const workerNoMasterTimeoutMsDefault = 15 * 60 * 1000;
const backoffDefault: BackoffInit = { initialMs: 1000, factor: 2, maxMs: 60_000 };

export function superviseWorker(init: WorkerInit, supervise: SupervisorInit, components: SupervisorComponents): SupervisedWorker {
  const { clock, random } = components;
  const backoff = resolveBackoff({ ...backoffDefault, ...supervise.backoff });
  const timeoutMs = supervise.timeoutMs ?? workerNoMasterTimeoutMsDefault;
  if (!(timeoutMs >= 0)) throw new RangeError(`timeoutMs must be a number >= 0, got ${timeoutMs}`);
  let failures = 0;
  /** When the worker last had a master (or started). */
  let sinceMs = clock.nowMs();
  let connections = 0;
  let current: WorkerHandle | undefined;
  let timer: Timer | undefined;
  let stopped = false;
  const cache = new InputCache(join(resolve(init.workDirectory), "cache"), cacheBytesMax(init.diskMb));
  let resolveDone!: (result: { code: number; reason: string }) => void;
  const done = new Promise<{ code: number; reason: string }>((resolve) => {
    resolveDone = resolve;
  });
  const finish = (code: number, reason: string) => {
    if (stopped) return;
    stopped = true;
    timer?.cancel();
    timer = undefined;
    resolveDone({ code, reason });
  };
  const attempt = () => {
    timer = undefined;
    const handle = startWorker(init, { clock, cache });
    current = handle;
    handle.end.then((end) => {
      current = undefined;
      if (end.welcomed) connections++;
      if (stopped) return;
      if (end.kind === "finished") return finish(0, end.reason);
      if (end.kind !== "lost" && end.kind !== "stopped") return finish(1, end.reason);
      if (end.welcomed) {
        failures = 0;
        sinceMs = clock.nowMs();
      }
      const withoutMs = clock.nowMs() - sinceMs;
      if (withoutMs >= timeoutMs) return finish(1, `no master for ${(withoutMs / 1000).toFixed(1)} s (last: ${end.reason})`);
      const delayMs = Math.min(backoffDelayMs(failures++, backoff, random()), timeoutMs - withoutMs);
      const again = `${(delayMs / 1000).toFixed(1)} s`;
      init.log?.(end.kind === "stopped" ? `${end.reason}; reconnecting for up to ${formatWaitMs(timeoutMs)} (first attempt in ${again})` : `${end.reason}; connecting again in ${again}`);
      timer = clock.setTimer(delayMs, attempt);
    });
  };
  attempt();
  return {
    done,
    connections: () => connections,
    received: () => ({ files: cache.filesReceived, bytes: cache.bytesReceived }),
    kill() {
      current?.kill();
      finish(1, "killed");
    },
  };
}

/** A wait for people: `15 min`, `90 s`, `0.5 s`. */
function formatWaitMs(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Number((ms / 1000).toFixed(1))} s`;
}
