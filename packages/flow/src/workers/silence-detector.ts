/**
 * Who has gone silent: a sans-IO failure detector for the worker connections. Each side of a
 * connection sends a heartbeat frame every `heartbeatMs` and counts *any* bytes from its peer
 * as a sign of life, so a long file transfer (whose frames queue ahead of a heartbeat) never
 * looks like silence. A peer not heard from for `timeoutMs` is lost. The owner calls `tick`
 * from one periodic timer; time is an argument, so the logic is tested without a clock.
 *
 * TCP keepalive alone is not enough: a stopped or wedged process keeps its connection open and
 * its kernel keeps acknowledging, so the master would wait for ever on a worker that no longer
 * runs anything. A stall of the watcher itself (its event loop blocked on a large file, or the
 * whole process stopped and continued) is not the peers' fault: time the ticks arrive late —
 * counted from the first `watch` until the first tick, so a stall right after connecting counts
 * too — is not counted as their silence. And a tick that comes a whole interval late or more
 * judges no one: after a stall, Node runs the overdue timer before it reads the sockets (a
 * stopped process's `epoll_wait` ends with EINTR), so what the peers sent meanwhile is still
 * unread; each peer gets one more interval to be heard before it is judged.
 */

/** Heartbeats, each way, on every worker connection (default). */
export const heartbeatMsDefault = 1_000;
/** A peer silent this long is lost (default): five heartbeats. */
export const workerTimeoutMsDefault = 5_000;

export interface SilenceDetectorInit {
  /** How often `tick` is called (the heartbeat period). */
  readonly intervalMs: number;
  /** A peer silent longer than this is lost; more than `intervalMs`. */
  readonly timeoutMs: number;
}

export interface Silent<P> {
  readonly peer: P;
  readonly silentMs: number;
}

/** Checks a heartbeat setting; returns a problem to report, or undefined. */
export function heartbeatProblem(heartbeatMs: number, timeoutMs: number): string | undefined {
  if (!(heartbeatMs > 0)) return `the heartbeat interval must be positive (${heartbeatMs} ms)`;
  if (!(timeoutMs > heartbeatMs)) return `the worker timeout (${timeoutMs} ms) must exceed the heartbeat interval (${heartbeatMs} ms)`;
  return undefined;
}

export class SilenceDetector<P> {
  /** peer → when it was last heard from, in watch order. */
  private readonly heardMs = new Map<P, number>();
  private tickMs: number | undefined;

  constructor(private readonly init: SilenceDetectorInit) {
    const problem = heartbeatProblem(init.intervalMs, init.timeoutMs);
    if (problem) throw new RangeError(problem);
  }

  get size(): number {
    return this.heardMs.size;
  }

  /** Starts watching `peer`, as heard from now; the first watch is when ticks start to count. */
  watch(peer: P, nowMs: number): void {
    this.heardMs.set(peer, nowMs);
    this.tickMs ??= nowMs;
  }

  /** Something arrived from `peer` (any frame, any part of one). */
  heard(peer: P, nowMs: number): void {
    if (this.heardMs.has(peer)) this.heardMs.set(peer, nowMs);
  }

  forget(peer: P): void {
    this.heardMs.delete(peer);
  }

  /**
   * Called every `intervalMs`: returns the peers silent past the timeout, in the order they
   * were watched, and forgets them. A tick later than the interval means the watcher itself
   * stalled; that extra time is not counted against anyone, and a tick at least an interval
   * late (one missed) returns no one: the peers' bytes that arrived meanwhile are read first.
   */
  tick(nowMs: number): Array<Silent<P>> {
    const stallMs = this.tickMs === undefined ? 0 : Math.max(0, nowMs - this.tickMs - this.init.intervalMs);
    this.tickMs = nowMs;
    const judging = stallMs < this.init.intervalMs;
    const silent: Array<Silent<P>> = [];
    for (const [peer, heardMs] of this.heardMs) {
      const sinceMs = Math.min(nowMs, heardMs + stallMs);
      if (sinceMs !== heardMs) this.heardMs.set(peer, sinceMs);
      if (judging && nowMs - sinceMs > this.init.timeoutMs) silent.push({ peer, silentMs: nowMs - sinceMs });
    }
    for (const { peer } of silent) this.heardMs.delete(peer);
    return silent;
  }
}
