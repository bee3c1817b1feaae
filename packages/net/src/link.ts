/**
 * The link to one peer: a bounded outbound queue and the one connection it drains into. It
 * dials on demand, retries failed attempts with exponential backoff, and after
 * `connectAttemptsMax` consecutive failures gives up: queued calls fail with UnreachableError,
 * queued sends are dropped (loss is silent for fire-and-forget), and until the next backoff
 * delay has passed new calls fail at once instead of waiting. Messages queued while the link
 * is down are written, in order, on the next connection.
 *
 * Writes are coalesced: sending only encodes the frame into the outbound queue (see
 * `outbound-queue.ts`) and schedules one flush for the end of the current tick
 * (`process.nextTick`), so everything a handler sends in one go leaves in one `write`, while a
 * single message on an idle link waits for nobody.
 *
 * One connection per peer pair: when both nodes dial each other at once, the connection
 * dialled by the node with the smaller id wins (see `admitInbound`).
 */
import type { Socket } from "node:net";
import type { Envelope } from "@skein/core";
import { type BackoffInit, backoffDelayMs, resolveBackoff } from "@skein/ftsh";
import { BACKOFF_FACTOR_DEFAULT, BACKOFF_INITIAL_MS_DEFAULT, BACKOFF_MAX_MS_DEFAULT } from "./limits.ts";
import { Connection, type ConnectionOwner } from "./connection.ts";
import { SOCKET_BUFFER_BYTES_HIGH } from "./limits.ts";
import { OutboundQueue } from "./outbound-queue.ts";

export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

export interface LinkInit {
  readonly connectTimeoutMs: number;
  readonly connectAttemptsMax: number;
  readonly backoff: BackoffInit;
  readonly queueMessagesMax: number;
  readonly queueBytesMax: number;
}

export interface LinkComponents {
  readonly owner: ConnectionOwner;
  /** Opens a socket to `address`; `ready` is the event that means connected ("connect" or "secureConnect"). */
  dial(address: PeerAddress): { socket: Socket; ready: string };
  /** Queued calls that will never be sent. */
  unreachable(envelope: Envelope, reason: string): void;
  log(level: "debug" | "info" | "warn", message: string, fields?: Record<string, unknown>): void;
}

/** Why `enqueue` refused a message. */
export type Refusal = { readonly kind: "down" | "full"; readonly reason: string };

interface Dialing {
  readonly socket: Socket;
  readonly timer: NodeJS.Timeout;
  connection: Connection | undefined;
}

export class Link {
  connection: Connection | undefined;
  private readonly queue: OutboundQueue;
  private dialing: Dialing | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private attempts = 0;
  private downUntilMs = 0;
  private downReason = "";
  private flushScheduled = false;
  private closed = false;
  /** Reconnect backoff: ftsh's `min(R·T·F^N, M)`, with link-scale defaults (50 ms … 2 s). */
  private readonly backoff: Required<BackoffInit>;

  constructor(
    readonly self: string,
    readonly peer: string,
    public address: PeerAddress | undefined,
    private readonly init: LinkInit,
    private readonly components: LinkComponents,
  ) {
    this.backoff = resolveBackoff({
      initialMs: init.backoff.initialMs ?? BACKOFF_INITIAL_MS_DEFAULT,
      factor: init.backoff.factor ?? BACKOFF_FACTOR_DEFAULT,
      maxMs: init.backoff.maxMs ?? BACKOFF_MAX_MS_DEFAULT,
    });
    this.queue = new OutboundQueue(components.owner.frameBytesMax);
  }

  /** Messages waiting to be written. */
  get queueLength(): number {
    return this.queue.messages;
  }

  /**
   * Encodes and queues an envelope; returns why it was refused, if it was. Throws MessageError
   * if it cannot be encoded or is over the frame limit (checked first, whatever the link's state).
   */
  enqueue(envelope: Envelope): Refusal | undefined {
    const frameBytes = this.queue.encode(envelope);
    const open = this.connection?.isOpen ?? false;
    if (!open && performance.now() < this.downUntilMs) return { kind: "down", reason: `link to ${this.peer} is down: ${this.downReason}` };
    if (!open && !this.address && !this.dialing) return { kind: "down", reason: `no address known for node ${this.peer}` };
    const { messages, bytes } = this.queue;
    if (messages >= this.init.queueMessagesMax || bytes + frameBytes > this.init.queueBytesMax) {
      return { kind: "full", reason: `outbound queue to ${this.peer} is full (${messages} messages, ${bytes} bytes)` };
    }
    this.queue.commit(envelope);
    if (open) this.scheduleFlush();
    else if (!this.dialing && !this.retryTimer) this.dial();
    return undefined;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(() => this.flush());
  }

  /** Writes queued frames (in chunks of at most a slab) until the queue is empty or the socket is backed up. */
  private flush(): void {
    this.flushScheduled = false;
    const connection = this.connection;
    if (!connection?.isOpen) return;
    while (connection.writableBytes < SOCKET_BUFFER_BYTES_HIGH) {
      const chunk = this.queue.take();
      if (!chunk) return;
      connection.write(chunk);
    }
  }

  private dial(): void {
    if (this.closed || !this.address) return;
    this.retryTimer = undefined;
    const { socket, ready } = this.components.dial(this.address);
    const timer = setTimeout(() => this.dialFailed(attempt, `connect timeout after ${this.init.connectTimeoutMs} ms`), this.init.connectTimeoutMs);
    const attempt: Dialing = { socket, timer, connection: undefined };
    this.dialing = attempt;
    socket.once(ready, () => {
      if (this.dialing !== attempt) return;
      clearTimeout(timer);
      attempt.connection = new Connection(socket, "connector", this.components.owner, this.peer);
    });
    socket.once("error", (error) => {
      if (!attempt.connection) this.dialFailed(attempt, error.message);
    });
  }

  private dialFailed(attempt: Dialing, reason: string): void {
    if (this.dialing !== attempt || this.closed) return;
    clearTimeout(attempt.timer);
    this.dialing = undefined;
    if (attempt.connection) attempt.connection.close(reason);
    else attempt.socket.destroy();
    this.attempts++;
    if (this.attempts >= this.init.connectAttemptsMax) return this.giveUp(reason);
    const delayMs = backoffDelayMs(this.attempts - 1, this.backoff, Math.random());
    this.components.log("debug", `connecting to ${this.peer} failed (${reason}); retry ${this.attempts} in ${Math.round(delayMs)} ms`);
    this.retryTimer = setTimeout(() => this.dial(), delayMs);
  }

  private giveUp(reason: string): void {
    this.downReason = `${this.attempts} connection attempts failed, last: ${reason}`;
    this.downUntilMs = performance.now() + backoffDelayMs(this.attempts, this.backoff, Math.random());
    this.attempts = 0;
    const { calls, messages } = this.queue.clear();
    const unreachable = `node ${this.peer} unreachable: ${this.downReason}`;
    for (const envelope of calls) this.components.unreachable(envelope, unreachable);
    this.components.log("warn", `link to ${this.peer} gave up: ${this.downReason}`, { failedCalls: calls.length, droppedMessages: messages - calls.length });
  }

  /**
   * An inbound connection from this peer proved the secret: a reason to refuse it, or undefined
   * to take it. The connection dialled by the smaller id wins a simultaneous open — but only
   * against an attempt of ours that has reached the peer (its proof checked): an attempt still
   * connecting, or stuck at a stale address, must not turn away the peer that just proved it
   * is alive. The peer's attempt is consistent with this: it only ever reaches its own admit
   * step on our side after we sent Auth, i.e. after our attempt was proven.
   */
  admitInbound(incarnation: string): string | undefined {
    // Our connection to an earlier incarnation of the peer is dead, however quiet it looks
    // (its machine vanished without closing it): the peer restarted, so take the new one.
    const current = this.connection;
    if (current?.isOpen && current.peerIncarnation !== incarnation) current.close(`${this.peer} restarted: a new incarnation connected`);
    const attempt = this.dialing;
    const sameIncarnation = (connection: Connection | undefined) => connection?.peerIncarnation === incarnation;
    const ownReached =
      (attempt?.connection?.peerProven === true && sameIncarnation(attempt.connection)) || (this.connection?.isOpen === true && this.connection.role === "connector" && sameIncarnation(this.connection));
    if (ownReached && this.self < this.peer) return `duplicate connection: ${this.self} dials ${this.peer} itself`;
    if (attempt) {
      this.dialing = undefined;
      clearTimeout(attempt.timer);
      if (attempt.connection) attempt.connection.close(`superseded by the connection from ${this.peer}`);
      else attempt.socket.destroy();
    }
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    return undefined;
  }

  /** A connection to this peer (ours or theirs) finished its handshake. */
  opened(connection: Connection): void {
    if (this.dialing?.connection === connection) this.dialing = undefined;
    if (this.connection && this.connection !== connection) this.connection.close("replaced by a newer connection");
    this.connection = connection;
    this.attempts = 0;
    this.downUntilMs = 0;
    connection.onDrain = () => this.flush();
    if (this.queueLength > 0) this.scheduleFlush();
  }

  /** A connection to this peer closed (or failed its handshake). */
  connectionClosed(connection: Connection, reason: string): void {
    if (this.dialing?.connection === connection) return this.dialFailed(this.dialing, reason);
    if (connection !== this.connection) return;
    this.connection = undefined;
    this.components.log("info", `connection to ${this.peer} closed: ${reason}`);
    if (this.queueLength > 0 && !this.dialing && !this.retryTimer) this.dial();
  }

  /** Stops everything; queued messages are discarded. */
  close(reason: string): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const attempt = this.dialing;
    this.dialing = undefined;
    if (attempt) {
      clearTimeout(attempt.timer);
      attempt.connection?.close(reason);
      attempt.socket.destroy();
    }
    this.connection?.close(reason);
    this.queue.clear();
  }
}
