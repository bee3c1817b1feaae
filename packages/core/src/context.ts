import type { Address, NodeId, ServiceRef } from "./address.ts";
import { firstSuccess, quorum, type Settled, settleAll } from "./barrier.ts";
import { CancelledError } from "./errors.ts";
import type { CallInit, NodeHost } from "./node-host.ts";
import type { Message, Protocol, Reply } from "./protocol.ts";
import type { LogLevel } from "./runtime.ts";
import type { Service } from "./service.ts";
import type { Storage } from "./storage.ts";
import { type PeriodicInit, ServiceTimer, type Timer } from "./timer.ts";

/** Structured logging into the runtime's trace or log stream. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * Everything a service may touch. Time, randomness, messages, timers, storage and logs all
 * come from here, so the same service runs in the simulator and over TCP.
 */
export interface Context {
  /** This service's own address. */
  readonly self: Address;
  readonly node: NodeId;
  /** Milliseconds on this node's clock. */
  now(): number;
  /** A number in [0, 1) from this node's seeded stream. */
  random(): number;
  /** Fire-and-forget; loss is silent. */
  send<P extends Protocol, K extends keyof P & string>(target: ServiceRef<P>, message: Message<P, K>): void;
  /** Request/reply; rejects with TimeoutError, UnreachableError, RemoteError or CancelledError. */
  call<P extends Protocol, K extends keyof P & string>(target: ServiceRef<P>, message: Message<P, K>, init?: CallInit): Promise<Reply<P, K>>;
  /** Waits for all; never rejects. */
  all<T>(promises: Iterable<PromiseLike<T>>): Promise<Settled<T>[]>;
  /** The first `needed` successes, or QuorumError (too many failures, or `timeoutMs` passed). */
  quorum<T>(promises: Iterable<PromiseLike<T>>, needed: number, init?: { timeoutMs?: number }): Promise<T[]>;
  /** The first success, or AllFailedError. */
  first<T>(promises: Iterable<PromiseLike<T>>): Promise<T>;
  /** Calls `callback` once after `delayMs`. */
  setTimer(delayMs: number, callback: () => unknown): Timer;
  /** Calls `callback` every `intervalMs` until cancelled or the node crashes. */
  setPeriodic(intervalMs: number, callback: () => unknown, init?: PeriodicInit): Timer;
  /** Resolves after `delayMs`; rejects with CancelledError if `signal` aborts first. */
  sleep(delayMs: number, signal?: AbortSignal): Promise<void>;
  readonly storage: Storage;
  readonly log: Logger;
}

class ContextLogger implements Logger {
  constructor(private readonly context: ServiceContext) {}
  private write(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    const { host, self } = this.context;
    if (this.context.alive) host.runtime.log(host, fields ? { level, service: self.service, message, fields } : { level, service: self.service, message });
  }
  debug(message: string, fields?: Record<string, unknown>): void {
    this.write("debug", message, fields);
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.write("info", message, fields);
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.write("warn", message, fields);
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.write("error", message, fields);
  }
}

/** The Context of one service in one incarnation of its node. Inert once that incarnation ends. */
export class ServiceContext implements Context {
  readonly self: Address;
  /** The service instance this context was made for (set once its factory returns). */
  instance: Service | undefined = undefined;
  /** The newest of this service's armed timers (a list through the timers: see `timer.ts`). */
  lastTimer: ServiceTimer | undefined = undefined;
  private logger: Logger | undefined = undefined;

  constructor(
    readonly host: NodeHost,
    /** The service's name (also `self.service`: here one load closer, for dispatch). */
    readonly serviceName: string,
    readonly incarnation: number,
  ) {
    this.self = { node: host.id, service: serviceName };
  }

  /** True while the incarnation that made this context is running. */
  get alive(): boolean {
    return this.host.up && this.host.incarnation === this.incarnation;
  }

  get node(): NodeId {
    return this.host.id;
  }

  now(): number {
    return this.host.runtime.now(this.host);
  }

  random(): number {
    return this.host.runtime.random(this.host);
  }

  send<P extends Protocol, K extends keyof P & string>(target: ServiceRef<P>, message: Message<P, K>): void {
    if (this.alive) this.host.send(this.self, target, message);
  }

  call<P extends Protocol, K extends keyof P & string>(target: ServiceRef<P>, message: Message<P, K>, init?: CallInit): Promise<Reply<P, K>> {
    if (!this.alive) return new Promise(() => {}); // a dead incarnation's call never settles
    return this.host.call(this.self, target, message, init) as Promise<Reply<P, K>>;
  }

  all<T>(promises: Iterable<PromiseLike<T>>): Promise<Settled<T>[]> {
    return settleAll(promises);
  }

  quorum<T>(promises: Iterable<PromiseLike<T>>, needed: number, init: { timeoutMs?: number } = {}): Promise<T[]> {
    return quorum(promises, needed, init.timeoutMs, (timeoutMs, onExpire) => this.deadline(timeoutMs, onExpire));
  }

  first<T>(promises: Iterable<PromiseLike<T>>): Promise<T> {
    return firstSuccess(promises);
  }

  private deadline(timeoutMs: number, onExpire: () => void): () => void {
    const timer = this.setTimer(timeoutMs, () => {
      this.host.runtime.asyncStarted();
      onExpire();
    });
    return () => timer.cancel();
  }

  setTimer(delayMs: number, callback: () => unknown): Timer {
    const timer = new ServiceTimer(this, callback, undefined, 0);
    return this.alive ? timer.arm(delayMs) : timer;
  }

  setPeriodic(intervalMs: number, callback: () => unknown, init: PeriodicInit = {}): Timer {
    if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be > 0, got ${intervalMs}`);
    const timer = new ServiceTimer(this, callback, intervalMs, init.jitterMs ?? 0);
    return this.alive ? timer.arm(init.initialDelayMs ?? intervalMs) : timer;
  }

  sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new CancelledError("sleep cancelled"));
      const timer = this.setTimer(delayMs, () => {
        this.host.runtime.asyncStarted();
        resolve();
      });
      signal?.addEventListener(
        "abort",
        () => {
          timer.cancel();
          this.host.runtime.asyncStarted();
          reject(new CancelledError("sleep cancelled"));
        },
        { once: true },
      );
    });
  }

  get storage(): Storage {
    return this.host.runtime.storage(this.host);
  }

  get log(): Logger {
    return (this.logger ??= new ContextLogger(this));
  }
}
