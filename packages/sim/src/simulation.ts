/**
 * The deterministic simulator: one process, virtual time, one seed. It implements the core
 * `Runtime`, so services run here exactly as they would over TCP. Time jumps from event to
 * event; ties are broken by insertion order; after every event that set off promise work, the
 * loop lets every continuation run before it takes the next event, so `await` chains are as
 * deterministic as plain handlers. Everything random — latencies, losses, each node's
 * `random()` — is drawn from streams derived from the seed.
 */
import {
  type Address,
  ENVELOPE_KIND_NAMES,
  type Envelope,
  EnvelopeKind,
  formatAddress,
  type LogEntry,
  MemoryStorage,
  NodeHost,
  type Runtime,
  type ServiceFactory,
  type Storage,
  type TraceEvent,
} from "@skein/core";
import { copyMessage } from "./copy.ts";
import { EventQueue } from "./event-queue.ts";
import { ACTION, EventSlots, REFS_PER_SLOT, TIMER, UNREACHABLE } from "./event-slots.ts";
import { Faults } from "./faults.ts";
import { NetworkState } from "./network.ts";
import { NodeRegistry } from "./node-registry.ts";
import { nextFloat, Random, Stream, seedStream } from "./random.ts";
import { type Topology, uniform } from "./topology.ts";
import { type TraceSink, TraceWriter } from "./trace-writer.ts";

export interface SimulationInit {
  readonly seed: number;
  /** Default: uniform(1, 10) ms. */
  readonly topology?: Topology;
  /** Receives every trace line; omit for no trace output. */
  readonly trace?: TraceSink;
  /** Keep a SHA-256 of the trace (default true; benchmarks turn it off). */
  readonly hashTrace?: boolean;
  /** Deep-copy message bodies on send, as a real network would (default true). */
  readonly copyMessages?: boolean;
  /** Receives every log entry of every service (the trace gets them too). */
  readonly onLog?: (node: string, entry: LogEntry, timeMs: number) => void;
}

interface TimerEvent {
  readonly node: NodeHost;
  readonly incarnation: number;
  readonly callback: () => void;
  cancelled: boolean;
}
interface UnreachableEvent {
  readonly m: number;
  readonly source: NodeHost;
  readonly envelope: Envelope;
  readonly reason: string;
}

/** Counters of a run. */
export interface SimulationStats {
  events: number;
  messagesSent: number;
  messagesDelivered: number;
  messagesDropped: number;
  timersFired: number;
}

export class Simulation implements Runtime {
  readonly seed: number;
  /** Random streams for consumers other than nodes. */
  readonly streams: { readonly network: Random; readonly nemesis: Random; readonly scenario: Random; readonly storage: Random };
  readonly network = new NetworkState();
  /** Fault injection: crashes, partitions, loss, duplication, delay, clock skew. */
  readonly faults: Faults = new Faults(this);
  readonly stats: SimulationStats = { events: 0, messagesSent: 0, messagesDelivered: 0, messagesDropped: 0, timersFired: 0 };
  /** How often each kind of fault fired (actions and their per-message effects). */
  readonly faultsFired: Record<string, number> = {};
  topology: Topology;

  /** Queued events: the heap orders their slots; `slots` holds their data. */
  private readonly queue = new EventQueue<never>();
  private readonly slots = new EventSlots();
  private readonly nodes: NodeHost[] = [];
  private readonly registry = new NodeRegistry();
  private nodeRandom = new Uint32Array(64);
  private skewMs: number[] = [];
  private storages: Array<MemoryStorage | undefined> = [];
  private clock = 0;
  private messageSeq = 0;
  private asyncPending = false;
  private readonly writer: TraceWriter | undefined;
  private readonly copyMessages: boolean;
  private readonly onLog: SimulationInit["onLog"];

  constructor(init: SimulationInit) {
    this.seed = init.seed;
    this.streams = {
      network: new Random(init.seed, Stream.network),
      nemesis: new Random(init.seed, Stream.nemesis),
      scenario: new Random(init.seed, Stream.scenario),
      storage: new Random(init.seed, Stream.storage),
    };
    this.topology = init.topology ?? uniform(1, 10);
    const hashing = init.hashTrace ?? true;
    this.writer = init.trace || hashing ? new TraceWriter(init.trace, hashing) : undefined;
    this.copyMessages = init.copyMessages ?? true;
    this.onLog = init.onLog;
    this.slots.ensure(this.queue.capacity);
  }

  /** Virtual time in ms (the global clock, without any node's skew). */
  get timeMs(): number {
    return this.clock;
  }

  /** Number of events still queued. */
  get pendingEvents(): number {
    return this.queue.length;
  }

  /** SHA-256 of the trace so far. */
  get traceHash(): string | undefined {
    return this.writer?.digest();
  }

  trace(event: TraceEvent): void {
    this.writer?.write(event);
  }

  countFault(kind: string, by = 1): void {
    this.faultsFired[kind] = (this.faultsFired[kind] ?? 0) + by;
  }

  // ---- nodes -------------------------------------------------------------------------

  /** Adds a node with its services; it starts at the current time unless `start` is false. */
  addNode(id: string, services: Record<string, ServiceFactory>, init: { start?: boolean } = {}): NodeHost {
    if (this.registry.indexOf(id) >= 0) throw new RangeError(`node '${id}' already exists`);
    if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(id)) throw new RangeError(`node id '${id}' must be 1-128 characters of [A-Za-z0-9_.:-]`);
    const host = new NodeHost(id, this);
    host.index = this.registry.add(id);
    this.nodes.push(host);
    if (this.nodeRandom.length < this.nodes.length * 4) {
      const grown = new Uint32Array(this.nodeRandom.length * 2);
      grown.set(this.nodeRandom);
      this.nodeRandom = grown;
    }
    seedStream(this.seed, Stream.firstNode + host.index, this.nodeRandom, host.index * 4);
    for (const [name, factory] of Object.entries(services)) host.addService(name, factory);
    if (init.start ?? true) this.after(0, () => this.startNode(host));
    return host;
  }

  /** The node named `id`; throws if there is none. */
  node(id: string): NodeHost {
    const index = this.registry.indexOf(id);
    if (index < 0) throw new RangeError(`no node '${id}'`);
    return this.nodes[index]!;
  }

  /** Every node, in the order added. */
  get nodeList(): readonly NodeHost[] {
    return this.nodes;
  }

  /** The running instance of service `name` on node `id`, or undefined while it is down. */
  service<S>(id: string, name: string): S | undefined {
    return this.node(id).service(name) as S | undefined;
  }

  /** The memory storage of a node (its durable state survives crashes). */
  storageOf(id: string): MemoryStorage {
    return this.storage(this.node(id)) as MemoryStorage;
  }

  /** Starts a node that is down (the scenario's restart); traced. */
  startNode(host: NodeHost): void {
    if (host.up) return;
    this.trace({ t: this.clock, e: "start", node: host.id, incarnation: host.incarnation });
    host.start();
  }

  // ---- scheduling --------------------------------------------------------------------

  /** Runs `action` at virtual time `timeMs` (not before now). */
  at(timeMs: number, action: () => void): void {
    if (!Number.isFinite(timeMs)) throw new RangeError(`at: time must be finite, got ${timeMs}`);
    this.slots.setPayload(this.reserve(Math.max(timeMs, this.clock)), ACTION, action);
  }

  /** Runs `action` after `delayMs` of virtual time. */
  after(delayMs: number, action: () => void): void {
    this.at(this.clock + Math.max(0, delayMs), action);
  }

  // ---- Runtime -----------------------------------------------------------------------

  now(node: NodeHost): number {
    return this.clock + (this.skewMs[node.index] ?? 0);
  }

  random(node: NodeHost): number {
    return nextFloat(this.nodeRandom, node.index * 4);
  }

  setTimer(node: NodeHost, delayMs: number, callback: () => void): unknown {
    const event: TimerEvent = { node, incarnation: node.incarnation, callback, cancelled: false };
    this.slots.setPayload(this.reserve(this.clock + Math.max(0, delayMs)), TIMER, event);
    return event;
  }

  clearTimer(_node: NodeHost, handle: unknown): void {
    if (handle) (handle as TimerEvent).cancelled = true;
  }

  storage(node: NodeHost): Storage {
    let storage = this.storages[node.index];
    if (!storage) this.storages[node.index] = storage = new MemoryStorage();
    return storage;
  }

  log(node: NodeHost, entry: LogEntry): void {
    const { level, service, message, fields } = entry;
    this.trace(fields ? { t: this.clock, e: "log", node: node.id, service, level, msg: message, fields } : { t: this.clock, e: "log", node: node.id, service, level, msg: message });
    this.onLog?.(node.id, entry, this.clock);
  }

  asyncStarted(): void {
    this.asyncPending = true;
  }

  transmit(source: NodeHost, envelope: Envelope): void {
    this.transmitFields(source, envelope.kind, envelope.source, envelope.target, envelope.type, envelope.body, envelope.callId);
  }

  transmitFields(source: NodeHost, kind: EnvelopeKind, sourceAddress: Address, target: Address, type: string, body: unknown, callId: number): void {
    if (!source.up) return;
    const m = ++this.messageSeq;
    this.stats.messagesSent++;
    if (this.copyMessages && typeof body === "object" && body !== null) body = copyMessage(body);
    if (this.writer) this.traceSend(m, kind, sourceAddress, target, type, body, callId);
    const targetIndex = this.registry.indexOf(target.node);
    if (targetIndex < 0) return this.drop(m, source, kind, sourceAddress, target, type, body, callId, `no node '${target.node}'`, true);
    const targetHost = this.nodes[targetIndex]!;
    const network = this.network;
    if (network.blocked(source.index, targetIndex)) return this.drop(m, source, kind, sourceAddress, target, type, body, callId, "partition", true);
    const faults = network.faults;
    const random = this.streams.network;
    if (faults.lossRate > 0 && random.chance(faults.lossRate)) {
      this.countFault("dropped-by-loss");
      return this.drop(m, source, kind, sourceAddress, target, type, body, callId, "loss", false);
    }
    const topology = this.topology;
    const bytes = topology.needsBytes ? JSON.stringify(body ?? null).length + 64 : 0;
    let delay = topology.delayMs(source, targetHost, bytes, this.clock, random);
    if (faults.delayRate > 0 && random.chance(faults.delayRate)) {
      delay += random.next() * faults.delayExtraMs;
      this.countFault("delayed");
    }
    const slot = this.reserve(this.clock + delay);
    this.slots.setMessage(slot, kind, m, source.index, targetHost.index, sourceAddress, target, type, body, callId);
    if (faults.duplicateRate > 0 && random.chance(faults.duplicateRate)) {
      this.countFault("duplicated");
      if (this.writer) this.trace({ t: this.clock, e: "duplicate", m });
      const again = this.reserve(this.clock + delay + random.next() * (delay + 1));
      this.slots.setMessage(again, kind, m, source.index, targetHost.index, sourceAddress, target, type, body, callId);
    }
  }

  /** Queues an event at `timeMs`; returns its slot, for its data. */
  private reserve(timeMs: number): number {
    const slot = this.queue.reserve(timeMs);
    if (slot * REFS_PER_SLOT >= this.slots.refs.length) this.slots.ensure(this.queue.capacity);
    return slot;
  }

  private traceSend(m: number, kind: EnvelopeKind, source: Address, target: Address, type: string, body: unknown, callId: number): void {
    const event: TraceEvent = {
      t: this.clock,
      e: "send",
      m,
      src: formatAddress(source),
      dst: formatAddress(target),
      kind: ENVELOPE_KIND_NAMES[kind]!,
      type,
      body: body ?? null,
    };
    if (kind !== EnvelopeKind.Send) event.call = callId;
    this.trace(event);
  }

  /** Drops a message; a refused call is reported back to its sender after one more delay. */
  private drop(m: number, source: NodeHost, kind: EnvelopeKind, sourceAddress: Address, target: Address, type: string, body: unknown, callId: number, reason: string, tellSender: boolean): void {
    this.stats.messagesDropped++;
    if (this.writer) this.trace({ t: this.clock, e: "drop", m, reason });
    if (!tellSender || kind !== EnvelopeKind.Call) return;
    const delay = this.topology.delayMs(source, source, 0, this.clock, this.streams.network);
    const envelope: Envelope = { kind, source: sourceAddress, target, type, body, callId };
    const event: UnreachableEvent = { m, source, envelope, reason };
    this.slots.setPayload(this.reserve(this.clock + delay), UNREACHABLE, event);
  }

  // ---- the loop ----------------------------------------------------------------------

  /** Takes the next event and handles it; false when the queue is empty. */
  step(): boolean {
    const queue = this.queue;
    const slot = queue.take();
    if (slot < 0) return false;
    this.clock = queue.lastTime;
    this.stats.events++;
    const kind = this.slots.kinds[slot]!;
    if (kind <= EnvelopeKind.Failure) return this.deliver(slot, kind as EnvelopeKind);
    const payload = this.slots.takePayload(slot);
    if (kind === TIMER) this.fireTimer(payload as TimerEvent);
    else if (kind === ACTION) (payload as () => void)();
    else {
      const event = payload as UnreachableEvent;
      if (this.writer) this.trace({ t: this.clock, e: "unreachable", m: event.m, reason: event.reason });
      event.source.undeliverable(event.envelope, event.reason);
    }
    return true;
  }

  private fireTimer(event: TimerEvent): void {
    if (event.cancelled || !event.node.up || event.node.incarnation !== event.incarnation) return;
    this.stats.timersFired++;
    if (this.writer) this.trace({ t: this.clock, e: "timer", node: event.node.id });
    event.callback();
  }

  /** Delivers the message in `slot` (read, then forgotten: the slot is free already). */
  private deliver(slot: number, kind: EnvelopeKind): true {
    const slots = this.slots;
    const refs = slots.refs;
    const r = slot * REFS_PER_SLOT;
    const sourceAddress = refs[r] as Address;
    const target = refs[r + 1] as Address;
    const type = refs[r + 2] as string;
    const body = refs[r + 3];
    refs[r] = refs[r + 1] = refs[r + 2] = refs[r + 3] = undefined;
    const m = slots.messageIds[slot]!;
    const callId = slots.callIds[slot]!;
    const source = this.nodes[slots.sourceNodes[slot]!]!;
    const targetHost = this.nodes[slots.targetNodes[slot]!]!;
    if (!targetHost.up) this.drop(m, source, kind, sourceAddress, target, type, body, callId, `node ${targetHost.id} is down`, true);
    else if (this.network.blocked(source.index, targetHost.index)) this.drop(m, source, kind, sourceAddress, target, type, body, callId, "partition", true);
    else {
      this.stats.messagesDelivered++;
      if (this.writer) this.trace({ t: this.clock, e: "deliver", m });
      targetHost.receive(kind, sourceAddress, target, type, body, callId);
    }
    return true;
  }

  /** True if promise continuations may be waiting; clears the flag. */
  takeAsyncPending(): boolean {
    const pending = this.asyncPending;
    this.asyncPending = false;
    return pending;
  }

  /** Time of the next queued event (Infinity when none). */
  nextEventTime(): number {
    return this.queue.peekTime();
  }

  /** Moves the clock forward to `timeMs` without events (never backwards). */
  advanceTo(timeMs: number): void {
    if (timeMs > this.clock) this.clock = timeMs;
  }

  /** Node `id`'s clock offset in ms. */
  skewOf(id: string): number {
    return this.skewMs[this.node(id).index] ?? 0;
  }

  /** Sets node `id`'s clock offset (its `now()` reads virtual time + offset). */
  setSkew(id: string, offsetMs: number): void {
    if (!Number.isFinite(offsetMs)) throw new RangeError(`skew must be finite, got ${offsetMs}`);
    this.skewMs[this.node(id).index] = offsetMs;
  }
}
