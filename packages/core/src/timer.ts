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

export class ServiceTimer implements Timer {
  private handle: unknown = undefined;
  private cancelled = false;

  constructor(
    private readonly context: ServiceContext,
    private readonly callback: () => unknown,
    private readonly periodMs: number | undefined,
    private readonly jitterMs: number,
  ) {}

  get active(): boolean {
    return !this.cancelled && this.context.alive;
  }

  arm(delayMs: number): this {
    const host = this.context.host;
    this.handle = host.runtime.setTimer(host, Math.max(0, delayMs), () => this.fire());
    return this;
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    const host = this.context.host;
    if (this.handle !== undefined) host.runtime.clearTimer(host, this.handle);
  }

  private fire(): void {
    if (this.cancelled || !this.context.alive) return;
    if (this.periodMs === undefined) this.cancelled = true;
    else {
      const jitter = this.jitterMs > 0 ? this.context.random() * this.jitterMs : 0;
      this.arm(this.periodMs + jitter);
    }
    this.context.host.runCallback(this.context.self.service, this.callback);
  }
}
