import type { Address, NodeId } from "./address.ts";
import { formatAddress } from "./address.ts";
import { armedTimers, captureServices, type HostCheckpoint, restoreServices, servicesWithoutCheckpoint } from "./checkpoint.ts";
import { ServiceContext } from "./context.ts";
import { checkMessage, type Envelope, EnvelopeKind, type FailureBody, failureOf } from "./envelope.ts";
import { assert, CancelledError, MessageError, RemoteError, TimeoutError, UnreachableError } from "./errors.ts";
import { type FactoryList, internFactories, NO_FACTORIES } from "./factory-list.ts";
import type { Runtime } from "./runtime.ts";
import type { Service, ServiceFactory } from "./service.ts";

/** Default timeout of a `call` when none is given. Every call has one: nothing hangs. */
export const CALL_TIMEOUT_MS_DEFAULT = 10_000;
/** Most calls one node may have waiting for replies; more fail with MessageError. */
export const PENDING_CALLS_MAX = 100_000;

/** Call ids start at one of 2³¹ bases 2¹⁶ apart (all below 2⁴⁷: exact in a double). */
const CALL_ID_BASES = 2 ** 31;
const CALL_IDS_PER_BASE = 2 ** 16;

interface PendingCall {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  readonly target: Address;
  readonly type: string;
  timer: unknown;
}

export interface CallInit {
  /** Fail with TimeoutError when no reply arrives within this time (default 10 s). */
  readonly timeoutMs?: number;
  /** Abandon the call (CancelledError) when this signal aborts. */
  readonly signal?: AbortSignal;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}

/**
 * One node as every runtime hosts it: its services, its calls in flight, its lifecycle.
 * Call/reply matching, timeouts, dispatch and crash semantics live here, once, so that the
 * simulator and the TCP runtime cannot disagree about them. A crash drops every service
 * instance and pending call (their promises never settle, their continuations never run) and
 * bumps the incarnation, which silences anything the old incarnation still holds.
 */
export class NodeHost {
  /** Slot for the runtime's own per-node arrays. */
  index = -1;
  /** Increases at every crash or stop; contexts of older incarnations are inert. */
  incarnation = 0;
  up = false;
  /** Service names and factories, alternating; shared between nodes (`factory-list.ts`). */
  private factories: FactoryList = NO_FACTORIES;
  /** The context of the running incarnation's first service (the common case: only one). */
  private first: ServiceContext | undefined = undefined;
  /** The contexts of any further services, in start order. */
  private others: ServiceContext[] | undefined = undefined;
  private pending: Map<number, PendingCall> | undefined;
  /** Call ids are `callIdBase × 2¹⁶ + callCount`: both stay small integers, no boxed double. */
  private callIdBase = -1;
  private callCount = 0;
  /** Async handlers and callbacks of this incarnation that have not settled yet. */
  private busy = 0;

  constructor(
    readonly id: NodeId,
    readonly runtime: Runtime,
  ) {}

  /** Registers a service; if the node is up it starts at once. */
  addService(name: string, factory: ServiceFactory): void {
    if (this.factories.includes(name)) throw new MessageError(`node ${this.id} already has a service '${name}'`);
    this.factories = internFactories(this.factories, name, factory);
    if (this.up) this.startService(name, factory);
  }

  get serviceNames(): string[] {
    return this.factories.filter((f): f is string => typeof f === "string");
  }

  /** The running instance of a service (for checkers and tests), if the node is up. */
  service<S extends Service = Service>(name: string): S | undefined {
    return this.find(name)?.instance as S | undefined;
  }

  /** The running services' contexts, in start order. */
  contexts(): ServiceContext[] {
    if (this.first === undefined) return [];
    return this.others === undefined ? [this.first] : [this.first, ...this.others];
  }

  /**
   * Up, with no call awaiting its reply and no async handler or callback still running: at a
   * macrotask boundary, nothing of the node is held in suspended code (see `checkpoint.ts`).
   */
  get quiescent(): boolean {
    return this.up && this.busy === 0 && (this.pending === undefined || this.pending.size === 0);
  }

  /** Names of running services that do not implement `checkpoint` and `restore`. */
  servicesWithoutCheckpoint(): string[] {
    return servicesWithoutCheckpoint(this.contexts());
  }

  /** The node's part of a checkpoint; only when quiescent. Throws CheckpointError if a service cannot. */
  checkpoint(): HostCheckpoint {
    assert(this.quiescent, `node ${this.id} checkpointed while not quiescent`);
    return { callIdBase: this.callIdBase, callCount: this.callCount, services: captureServices(this.contexts()) };
  }

  /** Runtime handles of the armed service timers, in the order a checkpoint lists them. */
  armedTimers(): unknown[] {
    return armedTimers(this.contexts());
  }

  /**
   * Starts the node from a checkpoint instead of from scratch: fresh service instances whose
   * `restore` (not `start`) brings them to the checkpointed state and re-arms their timers.
   * Rejects with CheckpointError if the checkpoint does not fit the node's services.
   */
  async resume(checkpoint: HostCheckpoint): Promise<void> {
    assert(!this.up, `node ${this.id} resumed while up`);
    this.up = true;
    this.first = this.others = undefined;
    this.busy = 0;
    this.callIdBase = checkpoint.callIdBase;
    this.callCount = checkpoint.callCount;
    for (let i = 0; i < this.factories.length; i += 2) this.createService(this.factories[i] as string, this.factories[i + 1] as ServiceFactory);
    await restoreServices(this.contexts(), checkpoint.services);
  }

  private find(name: string): ServiceContext | undefined {
    const first = this.first;
    if (first === undefined || first.serviceName === name) return first;
    const others = this.others;
    if (others !== undefined) for (let i = 0; i < others.length; i++) if (others[i]!.serviceName === name) return others[i];
    return undefined;
  }

  /** Starts (or restarts) the node: a fresh instance of every service, then their `start`. */
  start(): void {
    if (this.up) return;
    this.up = true;
    this.first = undefined;
    this.others = undefined;
    this.busy = 0;
    // A new process numbers its calls from a random base, so a late reply meant for an
    // earlier process of this node cannot settle one of this process's calls.
    if (this.callIdBase < 0) this.callIdBase = Math.floor(this.runtime.random(this) * CALL_ID_BASES);
    for (let i = 0; i < this.factories.length; i += 2) this.startService(this.factories[i] as string, this.factories[i + 1] as ServiceFactory);
  }

  private startService(name: string, factory: ServiceFactory): void {
    const service = this.createService(name, factory);
    if (service.start) this.runCallback(name, () => service.start!());
  }

  private createService(name: string, factory: ServiceFactory): Service {
    const context = new ServiceContext(this, name, this.incarnation);
    const service = factory(context);
    context.instance = service;
    if (this.first === undefined) this.first = context;
    else this.others = this.others === undefined ? [context] : this.others.concat(context); // exact size
    return service;
  }

  /** The process died: memory, timers and calls in flight are gone; storage stays. */
  crash(): void {
    if (!this.up) return;
    this.up = false;
    this.incarnation++;
    this.first = undefined;
    this.others = undefined;
    this.busy = 0;
    if (this.pending) for (const p of this.pending.values()) this.runtime.clearTimer(this, p.timer);
    this.pending = undefined;
  }

  /** Graceful stop: each service's `stop` hook, then the same as a crash. */
  stop(): void {
    if (!this.up) return;
    const contexts = this.first === undefined ? [] : [this.first, ...(this.others ?? [])];
    for (const context of contexts) {
      const service = context.instance;
      if (service?.stop) this.runCallback(context.self.service, () => service.stop!());
    }
    this.crash();
  }

  /** Runs service code outside a handler (timer, start hook), reporting failures to the log. */
  runCallback(serviceName: string, callback: () => unknown): void {
    const incarnation = this.incarnation;
    try {
      const result = callback();
      if (isThenable(result)) {
        this.runtime.asyncStarted();
        this.busy++;
        result.then(
          () => {
            if (this.incarnation === incarnation) this.busy--;
          },
          (error: unknown) => {
            if (this.incarnation !== incarnation) return;
            this.busy--;
            this.logFailure(serviceName, "callback failed", error);
          },
        );
      }
    } catch (error) {
      this.logFailure(serviceName, "callback failed", error);
    }
  }

  private logFailure(service: string, what: string, error: unknown): void {
    const { name, message } = failureOf(error);
    this.runtime.log(this, { level: "error", service, message: `${what}: ${name}: ${message}` });
  }

  /** Hands a message to the runtime: field by field if it can take them, else as an Envelope. */
  private transmit(kind: EnvelopeKind, source: Address, target: Address, type: string, body: unknown, callId: number): void {
    const runtime = this.runtime;
    if (runtime.transmitFields !== undefined) runtime.transmitFields(this, kind, source, target, type, body, callId);
    else runtime.transmit(this, { kind, source, target, type, body, callId });
  }

  /** Sends a fire-and-forget message from one of this node's services. */
  send(source: Address, target: Address, message: unknown): void {
    this.transmit(EnvelopeKind.Send, source, target, checkMessage(message), message, 0);
  }

  /** Sends a request and resolves with the reply, or rejects with a named error. */
  call(source: Address, target: Address, message: unknown, init: CallInit = {}): Promise<unknown> {
    const type = checkMessage(message);
    const timeoutMs = init.timeoutMs ?? CALL_TIMEOUT_MS_DEFAULT;
    const pending = (this.pending ??= new Map());
    if (pending.size >= PENDING_CALLS_MAX) {
      return Promise.reject(new MessageError(`node ${this.id} has ${PENDING_CALLS_MAX} calls pending (PENDING_CALLS_MAX)`));
    }
    if (init.signal?.aborted) return Promise.reject(new CancelledError(`call ${type} cancelled before it was sent`));
    const callId = this.callIdBase * CALL_IDS_PER_BASE + ++this.callCount;
    return new Promise((resolve, reject) => {
      const entry: PendingCall = { resolve, reject, target, type, timer: undefined };
      entry.timer = this.runtime.setTimer(this, timeoutMs, () => this.settle(callId, new TimeoutError(target, type, timeoutMs), false));
      pending.set(callId, entry);
      init.signal?.addEventListener("abort", () => this.settle(callId, new CancelledError(`call ${type} cancelled`), false), {
        once: true,
      });
      this.transmit(EnvelopeKind.Call, source, target, type, message, callId);
    });
  }

  private settle(callId: number, value: unknown, ok: boolean): void {
    const entry = this.pending?.get(callId);
    if (!entry) return;
    this.pending!.delete(callId);
    this.runtime.clearTimer(this, entry.timer);
    this.runtime.asyncStarted();
    if (ok) entry.resolve(value);
    else entry.reject(value);
  }

  /** The runtime delivers an envelope addressed to this node. */
  deliver(envelope: Envelope): void {
    this.receive(envelope.kind, envelope.source, envelope.target, envelope.type, envelope.body, envelope.callId);
  }

  /** `deliver`, field by field: for runtimes that keep messages in their own arrays. */
  receive(kind: EnvelopeKind, source: Address, target: Address, type: string, body: unknown, callId: number): void {
    if (!this.up) return;
    switch (kind) {
      case EnvelopeKind.Reply:
        this.settle(callId, body, true);
        return;
      case EnvelopeKind.Failure: {
        const failure = body as FailureBody;
        this.settle(callId, new RemoteError(source, type, failure.name, failure.message), false);
        return;
      }
      default:
        this.dispatch(kind, source, target, type, body, callId);
    }
  }

  /** The runtime learned that a call from this node cannot reach its target. */
  undeliverable(envelope: Envelope, reason: string): void {
    if (envelope.kind !== EnvelopeKind.Call || !this.up) return;
    const entry = this.pending?.get(envelope.callId);
    if (entry) this.settle(envelope.callId, new UnreachableError(entry.target, entry.type, reason), false);
  }

  private dispatch(kind: EnvelopeKind, source: Address, target: Address, type: string, body: unknown, callId: number): void {
    const running = this.find(target.service)?.instance;
    if (!running) return this.fail(kind, source, target, type, callId, { name: "NoSuchService", message: `no service '${target.service}' on ${this.id}` });
    const handlers = running.handlers as Record<string, ((m: unknown, s: Address) => unknown) | undefined>;
    const handler = handlers[type];
    // own handlers only: a message of type "toString" must not reach Object.prototype
    if (typeof handler !== "function" || (handler === OBJECT_PROTOTYPE[type] && !Object.hasOwn(handlers, type))) {
      return this.fail(kind, source, target, type, callId, {
        name: "UnknownMessageType",
        message: `${formatAddress(target)} has no handler for message type '${type}'`,
      });
    }
    let result: unknown;
    try {
      result = handler.call(handlers, body, source);
    } catch (error) {
      return this.fail(kind, source, target, type, callId, failureOf(error));
    }
    if (!isThenable(result)) {
      if (kind === EnvelopeKind.Call) this.transmit(EnvelopeKind.Reply, target, source, type, result ?? null, callId);
      return;
    }
    this.runtime.asyncStarted();
    this.busy++;
    const incarnation = this.incarnation;
    result.then(
      (value) => {
        if (this.incarnation !== incarnation) return;
        this.busy--;
        if (kind === EnvelopeKind.Call) this.transmit(EnvelopeKind.Reply, target, source, type, value ?? null, callId);
      },
      (error: unknown) => {
        if (this.incarnation !== incarnation) return;
        this.busy--;
        this.fail(kind, source, target, type, callId, failureOf(error));
      },
    );
  }

  /** The handler of a request failed: a Failure back to a call, a log line for a send. */
  private fail(kind: EnvelopeKind, source: Address, target: Address, type: string, callId: number, failure: FailureBody): void {
    if (kind !== EnvelopeKind.Call) {
      this.runtime.log(this, { level: "error", service: target.service, message: `handler ${type} failed: ${failure.name}: ${failure.message}` });
      return;
    }
    this.transmit(EnvelopeKind.Failure, target, source, type, failure, callId);
  }
}

const OBJECT_PROTOTYPE = Object.prototype as unknown as Record<string, unknown>;
