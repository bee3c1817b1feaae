/**
 * The global bound on programs running at once. Each forall is bounded by itself, but foralls
 * nest: 100 branches inside 100 branches started 10 000 processes together, enough to exhaust a
 * user's process limit (and then everything fails at once, cleanup included). A program waits
 * for a slot, first come first served; the wait counts against its try's deadline and ends when
 * it is cancelled.
 */
import { runningCommandsWaitingMax } from "../language/limits.ts";

export class CommandSlots {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly runningMax: number,
    private readonly waitingMax = runningCommandsWaitingMax,
  ) {
    if (!Number.isInteger(runningMax) || runningMax < 1) throw new RangeError(`runningCommandsMax must be a positive integer, got ${runningMax}`);
  }

  /** Waits for a slot; resolves with its release. Rejects with the signal's reason if cancelled first. */
  async acquire(signal: AbortSignal): Promise<() => void> {
    signal.throwIfAborted();
    if (this.running < this.runningMax) {
      this.running++;
      return this.releaser();
    }
    if (this.waiting.length >= this.waitingMax) {
      throw new Error(`more than ${this.waitingMax} commands are waiting for one of the ${this.runningMax} running slots`);
    }
    // a waiter is handed the slot of the command that ends: `running` does not change meanwhile
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.waiting.indexOf(wake);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal.reason);
      };
      const wake = (): void => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(wake);
    });
    return this.releaser();
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    };
  }
}
