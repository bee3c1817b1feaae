import type { Address, NodeId } from "./address.ts";
import { formatAddress } from "./address.ts";
import { ServiceContext } from "./context.ts";
import { type Envelope, EnvelopeKind, type FailureBody } from "./envelope.ts";
import { CancelledError, MessageError, RemoteError, TimeoutError, UnreachableError } from "./errors.ts";
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

function failureOf(error: unknown): FailureBody {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
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
  /** Service names and factories, alternating (one small array per node: 10⁶ nodes count). */
  private factories: Array<string | ServiceFactory> = [];
  /** The contexts of the running incarnation's services, in start order. */
  private running: ServiceContext[] = [];
  private pending: Map<number, PendingCall> | undefined;
  private nextCallId = 0;

  constructor(
    readonly id: NodeId,
    readonly runtime: Runtime,
  ) {}

  /** Registers a service; if the node is up it starts at once. */
  addService(name: string, factory: ServiceFactory): void {
    if (this.factories.includes(name)) throw new MessageError(`node ${this.id} already has a service '${name}'`);
    this.factories = [...this.factories, name, factory]; // exact size: no spare capacity per node
    if (this.up) this.startService(name, factory);
  }

  get serviceNames(): string[] {
    return this.factories.filter((f): f is string => typeof f === "string");
  }

  /** The running instance of a service (for checkers and tests), if the node is up. */
  service<S extends Service = Service>(name: string): S | undefined {
    return this.find(name)?.instance as S | undefined;
  }

  private find(name: string): ServiceContext | undefined {
    const running = this.running;
    for (let i = 0; i < running.length; i++) if (running[i]!.self.service === name) return running[i];
    return undefined;
  }

  /** Starts (or restarts) the node: a fresh instance of every service, then their `start`. */
  start(): void {
    if (this.up) return;
    this.up = true;
    this.running = [];
    // A new process numbers its calls from a random base, so a late reply meant for an
    // earlier process of this node cannot settle one of this process's calls.
    if (this.nextCallId === 0) this.nextCallId = Math.floor(this.runtime.random(this) * CALL_ID_BASES) * CALL_IDS_PER_BASE;
    for (let i = 0; i < this.factories.length; i += 2) this.startService(this.factories[i] as string, this.factories[i + 1] as ServiceFactory);
  }

  private startService(name: string, factory: ServiceFactory): void {
    const context = new ServiceContext(this, name, this.incarnation);
    const service = factory(context);
    context.instance = service;
    this.running = [...this.running, context];
    if (service.start) this.runCallback(name, () => service.start!());
  }

  /** The process died: memory, timers and calls in flight are gone; storage stays. */
  crash(): void {
    if (!this.up) return;
    this.up = false;
    this.incarnation++;
    this.running = [];
    if (this.pending) for (const p of this.pending.values()) this.runtime.clearTimer(this, p.timer);
    this.pending = undefined;
  }

  /** Graceful stop: each service's `stop` hook, then the same as a crash. */
  stop(): void {
    if (!this.up) return;
    for (const context of this.running) {
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
        result.then(undefined, (error: unknown) => {
          if (this.incarnation === incarnation) this.logFailure(serviceName, "callback failed", error);
        });
      }
    } catch (error) {
      this.logFailure(serviceName, "callback failed", error);
    }
  }

  private logFailure(service: string, what: string, error: unknown): void {
    const { name, message } = failureOf(error);
    this.runtime.log(this, { level: "error", service, message: `${what}: ${name}: ${message}` });
  }

  /** Sends a fire-and-forget message from one of this node's services. */
  send(source: Address, target: Address, message: unknown): void {
    const type = checkMessage(message);
    this.runtime.transmit(this, { kind: EnvelopeKind.Send, source, target, type, body: message, callId: 0 });
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
    const callId = ++this.nextCallId;
    return new Promise((resolve, reject) => {
      const entry: PendingCall = { resolve, reject, target, type, timer: undefined };
      entry.timer = this.runtime.setTimer(this, timeoutMs, () => this.settle(callId, new TimeoutError(target, type, timeoutMs), false));
      pending.set(callId, entry);
      init.signal?.addEventListener("abort", () => this.settle(callId, new CancelledError(`call ${type} cancelled`), false), {
        once: true,
      });
      this.runtime.transmit(this, { kind: EnvelopeKind.Call, source, target, type, body: message, callId });
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
    if (!this.up) return;
    switch (envelope.kind) {
      case EnvelopeKind.Reply:
        this.settle(envelope.callId, envelope.body, true);
        return;
      case EnvelopeKind.Failure: {
        const body = envelope.body as FailureBody;
        this.settle(envelope.callId, new RemoteError(envelope.source, envelope.type, body.name, body.message), false);
        return;
      }
      default:
        this.dispatch(envelope);
    }
  }

  /** The runtime learned that a call from this node cannot reach its target. */
  undeliverable(envelope: Envelope, reason: string): void {
    if (envelope.kind !== EnvelopeKind.Call || !this.up) return;
    const entry = this.pending?.get(envelope.callId);
    if (entry) this.settle(envelope.callId, new UnreachableError(entry.target, entry.type, reason), false);
  }

  private dispatch(envelope: Envelope): void {
    const running = this.find(envelope.target.service)?.instance;
    if (!running) return this.fail(envelope, { name: "NoSuchService", message: `no service '${envelope.target.service}' on ${this.id}` });
    const handlers = running.handlers as Record<string, ((m: unknown, s: Address) => unknown) | undefined>;
    const handler = handlers[envelope.type];
    // own handlers only: a message of type "toString" must not reach Object.prototype
    if (typeof handler !== "function" || (envelope.type in Object.prototype && !Object.hasOwn(handlers, envelope.type))) {
      return this.fail(envelope, {
        name: "UnknownMessageType",
        message: `${formatAddress(envelope.target)} has no handler for message type '${envelope.type}'`,
      });
    }
    let result: unknown;
    try {
      result = handler.call(handlers, envelope.body, envelope.source);
    } catch (error) {
      return this.fail(envelope, failureOf(error));
    }
    if (!isThenable(result)) return this.reply(envelope, result);
    this.runtime.asyncStarted();
    const incarnation = this.incarnation;
    result.then(
      (value) => this.incarnation === incarnation && this.reply(envelope, value),
      (error: unknown) => this.incarnation === incarnation && this.fail(envelope, failureOf(error)),
    );
  }

  private reply(request: Envelope, value: unknown): void {
    if (request.kind !== EnvelopeKind.Call) return;
    const { target: source, source: target, type, callId } = request;
    this.runtime.transmit(this, { kind: EnvelopeKind.Reply, source, target, type, body: value ?? null, callId });
  }

  private fail(request: Envelope, failure: FailureBody): void {
    if (request.kind !== EnvelopeKind.Call) {
      this.runtime.log(this, { level: "error", service: request.target.service, message: `handler ${request.type} failed: ${failure.name}: ${failure.message}` });
      return;
    }
    const { target: source, source: target, type, callId } = request;
    this.runtime.transmit(this, { kind: EnvelopeKind.Failure, source, target, type, body: failure, callId });
  }
}

function checkMessage(message: unknown): string {
  if (typeof message !== "object" || message === null) throw new MessageError(`a message must be an object, got ${message === null ? "null" : typeof message}`);
  const type = (message as { type?: unknown }).type;
  if (typeof type !== "string" || type.length === 0) throw new MessageError(`message field 'type' must be a non-empty string, got ${JSON.stringify(type) ?? "undefined"}`);
  return type;
}
