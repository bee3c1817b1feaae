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
  /**
   * Service names and factories, alternating. Never mutated in place, so nodes with the same
   * services share one array (10⁶ nodes count).
   */
  private factories: ReadonlyArray<string | ServiceFactory> = NO_FACTORIES;
  /** The context of the running incarnation's first service (the common case: only one). */
  private first: ServiceContext | undefined = undefined;
  /** The contexts of any further services, in start order. */
  private others: ServiceContext[] | undefined = undefined;
  private pending: Map<number, PendingCall> | undefined;
  /** Call ids are `callIdBase × 2¹⁶ + callCount`: both stay small integers, no boxed double. */
  private callIdBase = -1;
  private callCount = 0;

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
    // A new process numbers its calls from a random base, so a late reply meant for an
    // earlier process of this node cannot settle one of this process's calls.
    if (this.callIdBase < 0) this.callIdBase = Math.floor(this.runtime.random(this) * CALL_ID_BASES);
    for (let i = 0; i < this.factories.length; i += 2) this.startService(this.factories[i] as string, this.factories[i + 1] as ServiceFactory);
  }

  private startService(name: string, factory: ServiceFactory): void {
    const context = new ServiceContext(this, name, this.incarnation);
    const service = factory(context);
    context.instance = service;
    if (this.first === undefined) this.first = context;
    else this.others = this.others === undefined ? [context] : this.others.concat(context); // exact size
    if (service.start) this.runCallback(name, () => service.start!());
  }

  /** The process died: memory, timers and calls in flight are gone; storage stays. */
  crash(): void {
    if (!this.up) return;
    this.up = false;
    this.incarnation++;
    this.first = undefined;
    this.others = undefined;
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
    const incarnation = this.incarnation;
    result.then(
      (value) => {
        if (this.incarnation === incarnation && kind === EnvelopeKind.Call) this.transmit(EnvelopeKind.Reply, target, source, type, value ?? null, callId);
      },
      (error: unknown) => this.incarnation === incarnation && this.fail(kind, source, target, type, callId, failureOf(error)),
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
const NO_FACTORIES: ReadonlyArray<string | ServiceFactory> = [];
/** The factory list made last: the next node with the same services shares it. */
let lastFactories: ReadonlyArray<string | ServiceFactory> = NO_FACTORIES;

/** `list` with `name` and `factory` appended: an exact-size array, shared when equal to the last one. */
function internFactories(list: ReadonlyArray<string | ServiceFactory>, name: string, factory: ServiceFactory): ReadonlyArray<string | ServiceFactory> {
  const length = list.length + 2;
  if (lastFactories.length === length && lastFactories[length - 2] === name && lastFactories[length - 1] === factory) {
    let same = true;
    for (let i = 0; i < list.length && same; i++) same = lastFactories[i] === list[i];
    if (same) return lastFactories;
  }
  const out = list.concat(name, factory);
  lastFactories = out;
  return out;
}

function checkMessage(message: unknown): string {
  if (typeof message !== "object" || message === null) throw new MessageError(`a message must be an object, got ${message === null ? "null" : typeof message}`);
  const type = (message as { type?: unknown }).type;
  if (typeof type !== "string" || type.length === 0) throw new MessageError(`message field 'type' must be a non-empty string, got ${JSON.stringify(type) ?? "undefined"}`);
  return type;
}
