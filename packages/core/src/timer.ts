import type { ServiceContext } from "./context.ts";

/** A scheduled callback owned by a service; a crash of its node cancels it. */
export interface Timer {
  cancel(): void;
  /** False once fired (one-shot), cancelled, or its node crashed. */
  readonly active: boolean;
}

/** Options for periodic timers. */
export interface PeriodicInit {
  /** First firing after this delay (default: the interval). */
  readonly initialDelayMs?: number;
  /** Each period is lengthened by a random amount in [0, jitterMs) from the node's stream. */
  readonly jitterMs?: number;
}

/**
 * A service's timer. Each context keeps its armed timers in creation order, in a list threaded
 * through the timers themselves (two fields per timer, no collection per service): a checkpoint
 * names the armed timers in that order, and a service's `restore` re-creates them in the same
 * order, which is how a replay knows which re-created timer is which recorded one. A periodic
 * timer keeps its place however often it re-arms. Only the newest timer is kept in the context
 * (one field per service); the list is walked backwards.
 */
export class ServiceTimer implements Timer {
  private handle: unknown = undefined;
  private cancelled = false;
  /** Neighbours in the context's list of armed timers (`listed` while in it). */
  previous: ServiceTimer | undefined = undefined;
  next: ServiceTimer | undefined = undefined;
  private listed = false;

  constructor(
    private readonly context: ServiceContext,
    private readonly callback: () => unknown,
    private readonly periodMs: number | undefined,
    private readonly jitterMs: number,
  ) {}

  get active(): boolean {
    return !this.cancelled && this.context.alive;
  }

  /** The runtime's handle of the current arming. */
  get runtimeHandle(): unknown {
    return this.handle;
  }

  arm(delayMs: number): this {
    const host = this.context.host;
    this.handle = host.runtime.setTimer(host, Math.max(0, delayMs), () => this.fire());
    if (!this.listed) this.enlist();
    return this;
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.delist();
    const host = this.context.host;
    if (this.handle !== undefined) host.runtime.clearTimer(host, this.handle);
  }

  private fire(): void {
    if (this.cancelled || !this.context.alive) return;
    if (this.periodMs === undefined) {
      this.cancelled = true;
      this.delist();
    } else {
      const jitter = this.jitterMs > 0 ? this.context.random() * this.jitterMs : 0;
      this.arm(this.periodMs + jitter);
    }
    this.context.host.runCallback(this.context.self.service, this.callback);
  }

  private enlist(): void {
    const context = this.context;
    this.listed = true;
    this.previous = context.lastTimer;
    if (context.lastTimer) context.lastTimer.next = this;
    context.lastTimer = this;
  }

  private delist(): void {
    if (!this.listed) return;
    this.listed = false;
    if (this.previous) this.previous.next = this.next;
    if (this.next) this.next.previous = this.previous;
    else this.context.lastTimer = this.previous;
    this.previous = this.next = undefined;
  }
}

/** The runtime handles of a context's armed timers, in creation order. */
export function armedTimerHandles(context: ServiceContext): unknown[] {
  const out: unknown[] = [];
  for (let timer = context.lastTimer; timer !== undefined; timer = timer.previous) out.push(timer.runtimeHandle);
  return out.reverse();
}
