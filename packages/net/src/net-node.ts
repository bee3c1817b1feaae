/**
 * The TCP runtime: one node, in this process, talking to its peers over TCP (or TLS). It
 * implements the core `Runtime` with the real clock, timers and randomness, durable storage on
 * disk, and links that move envelopes. Call ids, timeouts and reply matching stay in core's
 * `NodeHost`, exactly as in the simulator; this file only moves envelopes and reports the
 * ones that cannot move.
 *
 * Errors a sender sees: a message that cannot be encoded or is over the frame limit, or a send
 * to a peer whose outbound queue is full, throws MessageError at once; a call that cannot be
 * sent (queue full, link given up) fails with UnreachableError — always in a later macrotask,
 * never inside the `send`/`call` itself, so that it is one recorded input like any other.
 */
import type { Server } from "node:net";
import {
  type Envelope,
  EnvelopeKind,
  type LogEntry,
  MemoryStorage,
  MessageError,
  NodeHost,
  type Runtime,
  type ServiceFactory,
  type Storage,
} from "@skein/core";
import { CLUSTER_SECRET_ENV, freshIncarnation } from "./auth.ts";
import type { BackoffInit } from "@skein/ftsh";
import { Checkpointer } from "./checkpointer.ts";
import { pack, unpack } from "./codec.ts";
import { Connection, type ConnectionOwner } from "./connection.ts";
import { FileStorage } from "./file-storage.ts";
import * as limits from "./limits.ts";
import { Link, type PeerAddress } from "./link.ts";
import { RecordedStorage, type Recorder } from "./recorder.ts";
import { createListener, dialSocket, type TlsInit } from "./transport.ts";

/** A line the runtime or a service logged. `service` is "net" for the runtime's own lines. */
export interface NetLogLine extends LogEntry {
  readonly node: string;
  readonly timeMs: number;
}

export interface NetInit {
  readonly id: string;
  /** Where to listen (default 127.0.0.1, port 0 = chosen by the OS). */
  readonly listen?: Partial<PeerAddress>;
  /** Addresses of the other nodes (more can be added with `setPeers`). */
  readonly peers?: Record<string, PeerAddress>;
  /** Cluster secret (default: the SKEIN_CLUSTER_SECRET environment variable). */
  readonly secret?: string;
  /**
   * TLS for every connection: key/cert for this node, `ca` to verify peers (mutual; host names
   * are not checked, the HMAC handshake inside TLS names the node). All nodes of a cluster
   * must agree: a plain-TCP peer is refused.
   */
  readonly tls?: TlsInit;
  /** Directory of the node's durable storage; without it storage is in memory. */
  readonly dataDir?: string;
  readonly onLog?: (line: NetLogLine) => void;
  readonly recorder?: Recorder;
  /** With a recorder: try to checkpoint the services' state this often (default 1 s; 0 = never; see checkpointer.ts). */
  readonly checkpointEveryMs?: number;
  /** With a recorder: skip a checkpoint whose encoding is larger (default 8 MiB). */
  readonly checkpointBytesMax?: number;
  readonly frameBytesMax?: number;
  readonly queueMessagesMax?: number;
  readonly queueBytesMax?: number;
  readonly connectTimeoutMs?: number;
  readonly handshakeTimeoutMs?: number;
  readonly readTimeoutMs?: number;
  readonly pingIntervalMs?: number;
  readonly connectAttemptsMax?: number;
  readonly backoff?: BackoffInit;
}

/** Counters of one node's traffic. */
export interface NetStats {
  envelopesSent: number;
  envelopesReceived: number;
  connectionsRefused: number;
  connectionsClosedBadInput: number;
}

export class NetNode implements Runtime, ConnectionOwner {
  readonly host: NodeHost;
  readonly self: string;
  readonly secret: string;
  readonly version = limits.WIRE_VERSION;
  /** Drawn anew at each start: peers tell a restarted node from a duplicate connection by it. */
  incarnation: Uint8Array = freshIncarnation();
  readonly frameBytesMax: number;
  readonly handshakeTimeoutMs: number;
  readonly readTimeoutMs: number;
  readonly pingIntervalMs: number;
  readonly stats: NetStats = { envelopesSent: 0, envelopesReceived: 0, connectionsRefused: 0, connectionsClosedBadInput: 0 };
  private readonly links = new Map<string, Link>();
  private readonly handshaking = new Set<Connection>();
  /** Armed timers, in armed order, with their recorded ids (0 when not recording). */
  private readonly timers = new Map<NodeJS.Timeout, number>();
  private readonly peers = new Map<string, PeerAddress>();
  private server: Server | undefined;
  private bound: PeerAddress | undefined;
  private store: Storage | undefined;
  private view: Storage | undefined;
  private checkpointer: Checkpointer | undefined;

  constructor(private readonly init: NetInit) {
    this.self = init.id;
    this.host = new NodeHost(init.id, this);
    this.secret = init.secret ?? process.env[CLUSTER_SECRET_ENV] ?? "";
    this.frameBytesMax = init.frameBytesMax ?? limits.FRAME_BYTES_MAX_DEFAULT;
    this.handshakeTimeoutMs = init.handshakeTimeoutMs ?? limits.HANDSHAKE_TIMEOUT_MS_DEFAULT;
    this.readTimeoutMs = init.readTimeoutMs ?? limits.READ_TIMEOUT_MS_DEFAULT;
    this.pingIntervalMs = init.pingIntervalMs ?? limits.PING_INTERVAL_MS_DEFAULT;
    for (const [id, address] of Object.entries(init.peers ?? {})) this.peers.set(id, address);
    if (!this.secret) this.logNet("warn", `no cluster secret (option or ${CLUSTER_SECRET_ENV}): any peer that speaks the protocol is admitted`);
  }

  addService(name: string, factory: ServiceFactory): void {
    this.host.addService(name, factory);
  }

  /** The address this node listens on (after `start`). */
  get address(): PeerAddress | undefined {
    return this.bound;
  }

  /** Adds or changes peer addresses. */
  setPeers(peers: Record<string, PeerAddress>): void {
    for (const [id, address] of Object.entries(peers)) {
      this.peers.set(id, address);
      const link = this.links.get(id);
      if (link) link.address = address;
    }
  }

  /** Listens (on the same port as before after a restart), opens storage, starts the services. */
  async start(): Promise<PeerAddress> {
    if (this.host.up) return this.bound!;
    this.incarnation = freshIncarnation();
    const address = await this.listen();
    this.store = this.init.dataDir ? new FileStorage(this.init.dataDir) : (this.store ?? new MemoryStorage());
    const recorder = this.init.recorder;
    const view = recorder ? new RecordedStorage(this.store, recorder, () => this.host.up) : this.store;
    this.view = view;
    if (recorder) recorder.start(snapshotOf(this.store));
    this.host.start();
    if (recorder && view instanceof RecordedStorage) {
      const store = this.store;
      this.checkpointer = new Checkpointer(
        { host: this.host, recorder, storage: () => snapshotOf(store), syncsPending: () => view.syncsPending, timers: this.timers, log: (level, message) => this.logNet(level, message) },
        { everyMs: this.init.checkpointEveryMs, bytesMax: this.init.checkpointBytesMax },
      );
      this.checkpointer.start();
    }
    return address;
  }

  private listen(): Promise<PeerAddress> {
    const host = this.bound?.host ?? this.init.listen?.host ?? "127.0.0.1";
    const port = this.bound?.port ?? this.init.listen?.port ?? 0;
    const server = createListener(
      { tls: this.init.tls, handshakeTimeoutMs: this.handshakeTimeoutMs, handshakesPendingMax: limits.HANDSHAKES_PENDING_MAX },
      {
        accept: (socket) => this.handshaking.add(new Connection(socket, "acceptor", this)),
        handshakesPending: () => this.handshaking.size,
        refused: (remote, reason) => {
          this.stats.connectionsRefused++;
          this.logNet("warn", `refused a connection from ${remote}: ${reason}`);
        },
      },
    );
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host, port }, () => {
        server.off("error", reject);
        server.on("error", (error) => this.logNet("error", `listener error: ${error.message}`));
        const info = server.address();
        if (typeof info !== "object" || info === null) return reject(new Error("listener has no address"));
        this.bound = { host, port: info.port };
        resolve(this.bound);
      });
    });
  }

  /** The process died: sockets, timers, memory and calls in flight are gone; storage stays on disk. */
  crash(): void {
    this.shutdown("node crashed");
    this.host.crash();
  }

  /** Graceful stop: services' `stop` hooks, then the same as a crash. */
  stop(): void {
    if (this.host.up) this.init.recorder?.stopping();
    this.host.stop();
    this.shutdown("node stopped");
    this.init.recorder?.end();
  }

  private shutdown(reason: string): void {
    this.server?.close();
    this.server = undefined;
    for (const link of this.links.values()) link.close(reason);
    this.links.clear();
    for (const connection of this.handshaking) connection.close(reason);
    this.handshaking.clear();
    this.checkpointer?.stop();
    for (const timer of this.timers.keys()) clearTimeout(timer);
    this.timers.clear();
    if (this.store instanceof FileStorage) {
      this.store.close();
      this.store = undefined;
    }
  }

  // ---- ConnectionOwner -------------------------------------------------------------

  admit(connection: Connection): string | undefined {
    const peer = connection.peer!;
    if (peer === this.self) return "a node cannot connect to itself";
    return this.linkFor(peer).admitInbound(connection.peerIncarnation!);
  }

  opened(connection: Connection): void {
    this.handshaking.delete(connection);
    this.linkFor(connection.peer!).opened(connection);
  }

  envelope(_connection: Connection, envelope: Envelope): void {
    this.stats.envelopesReceived++;
    if (envelope.target.node !== this.self || !this.host.up) return;
    this.init.recorder?.deliver(envelope);
    this.host.deliver(envelope);
  }

  closed(connection: Connection, reason: string): void {
    this.handshaking.delete(connection);
    if (reason.startsWith("bad frame") || reason.startsWith("error handling")) this.stats.connectionsClosedBadInput++;
    if (reason.startsWith("refused") || reason.includes("failed authentication")) this.stats.connectionsRefused++;
    const level = reason.startsWith("bad frame") || reason.includes("authentication") || reason.startsWith("refused: this is node") ? "warn" : "debug";
    this.logNet(level, `connection ${connection.role === "acceptor" ? "from" : "to"} ${connection.peer ?? connection.remote} closed: ${reason}`);
    if (connection.peer) this.links.get(connection.peer)?.connectionClosed(connection, reason);
  }

  private linkFor(peer: string): Link {
    let link = this.links.get(peer);
    if (!link) {
      link = new Link(this.self, peer, this.peers.get(peer), this.linkInit(), {
        owner: this,
        dial: (address) => dialSocket(address, this.init.tls),
        unreachable: (envelope, reason) => this.deferUnreachable(envelope, reason),
        log: (level, message, fields) => this.logNet(level, message, fields),
      });
      this.links.set(peer, link);
    }
    return link;
  }

  private linkInit() {
    const init = this.init;
    return {
      connectTimeoutMs: init.connectTimeoutMs ?? limits.CONNECT_TIMEOUT_MS_DEFAULT,
      connectAttemptsMax: init.connectAttemptsMax ?? limits.CONNECT_ATTEMPTS_MAX_DEFAULT,
      backoff: init.backoff ?? {},
      queueMessagesMax: init.queueMessagesMax ?? limits.OUTBOUND_QUEUE_MESSAGES_MAX_DEFAULT,
      queueBytesMax: init.queueBytesMax ?? limits.OUTBOUND_QUEUE_BYTES_MAX_DEFAULT,
    };
  }

  // ---- Runtime ---------------------------------------------------------------------

  now(_node: NodeHost): number {
    const value = performance.timeOrigin + performance.now();
    this.init.recorder?.now(value);
    return value;
  }

  random(_node: NodeHost): number {
    const value = Math.random();
    this.init.recorder?.random(value);
    return value;
  }

  setTimer(node: NodeHost, delayMs: number, callback: () => void): unknown {
    const recorder = this.init.recorder;
    const id = recorder ? recorder.timerSet() : 0;
    const incarnation = node.incarnation;
    const timer: NodeJS.Timeout = setTimeout(() => {
      this.timers.delete(timer);
      if (!node.up || node.incarnation !== incarnation) return;
      recorder?.timerFired(id);
      callback();
    }, Math.max(0, delayMs));
    this.timers.set(timer, id);
    return timer;
  }

  clearTimer(_node: NodeHost, handle: unknown): void {
    clearTimeout(handle as NodeJS.Timeout);
    this.timers.delete(handle as NodeJS.Timeout);
  }

  storage(_node: NodeHost): Storage {
    if (!this.view) throw new MessageError(`node ${this.self} has no storage before it starts`);
    return this.view;
  }

  log(node: NodeHost, entry: LogEntry): void {
    this.emit({ ...entry, node: node.id, timeMs: performance.timeOrigin + performance.now() });
  }

  asyncStarted(): void {}

  transmit(node: NodeHost, envelope: Envelope): void {
    if (!node.up) return;
    const recorder = this.init.recorder;
    if (envelope.target.node === this.self) {
      recorder?.send(envelope);
      return this.deliverLocally(envelope);
    }
    let refusal: ReturnType<Link["enqueue"]>;
    try {
      refusal = this.linkFor(envelope.target.node).enqueue(envelope);
    } catch (error) {
      if (!(error instanceof MessageError)) throw error;
      return this.refuseEncoding(envelope, error);
    }
    if (refusal?.kind === "full" && envelope.kind === EnvelopeKind.Send) {
      recorder?.send(envelope, refusal.reason);
      throw new MessageError(refusal.reason);
    }
    recorder?.send(envelope);
    this.stats.envelopesSent++;
    if (!refusal) return;
    if (envelope.kind === EnvelopeKind.Call) this.deferUnreachable(envelope, refusal.reason);
    else if (envelope.kind !== EnvelopeKind.Send) this.logNet("warn", `reply ${envelope.type} to ${envelope.target.node} dropped: ${refusal.reason}`);
  }

  /** A message that cannot be encoded: the sender gets MessageError; a reply becomes a Failure. */
  private refuseEncoding(envelope: Envelope, error: MessageError): void {
    if (envelope.kind === EnvelopeKind.Reply) {
      const failure = { name: "MessageError", message: `reply could not be sent: ${error.message}` };
      return this.transmit(this.host, { ...envelope, kind: EnvelopeKind.Failure, body: failure });
    }
    this.init.recorder?.send(envelope, error.message);
    if (envelope.kind === EnvelopeKind.Failure) return this.logNet("warn", `failure reply dropped: ${error.message}`);
    throw error;
  }

  /** Messages to itself go through the codec (a copy, like the wire) and arrive in a later macrotask. */
  private deliverLocally(envelope: Envelope): void {
    const copy: Envelope = { ...envelope, body: unpack(pack(envelope.body ?? null)) };
    const incarnation = this.host.incarnation;
    setImmediate(() => {
      if (!this.host.up || this.host.incarnation !== incarnation) return;
      this.init.recorder?.deliver(copy);
      this.host.deliver(copy);
    });
  }

  private deferUnreachable(envelope: Envelope, reason: string): void {
    const incarnation = this.host.incarnation;
    setImmediate(() => {
      if (!this.host.up || this.host.incarnation !== incarnation) return;
      this.init.recorder?.undeliverable(envelope, reason);
      this.host.undeliverable(envelope, reason);
    });
  }

  private logNet(level: LogEntry["level"], message: string, fields?: Record<string, unknown>): void {
    this.emit({ level, service: "net", message, fields, node: this.self, timeMs: performance.timeOrigin + performance.now() });
  }

  private emit(line: NetLogLine): void {
    if (this.init.onLog) return this.init.onLog(line);
    if (line.level === "debug") return;
    const fields = line.fields ? ` ${JSON.stringify(line.fields)}` : "";
    process.stderr.write(`${line.level} ${line.node}/${line.service} ${line.message}${fields}\n`);
  }
}

function snapshotOf(storage: Storage): { map: Array<[string, unknown]>; log: unknown[] } {
  if (storage instanceof FileStorage) return storage.snapshot();
  return { map: storage.keys().map((key) => [key, storage.get(key)]), log: storage.records() };
}
