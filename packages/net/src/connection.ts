/**
 * One authenticated TCP (or TLS) connection between two nodes, either side's. It runs the
 * handshake, decodes frames, watches for silence (read timeout, with pings to keep a quiet but
 * healthy connection alive), and reports to its owner. Any bad input — malformed, truncated,
 * oversized, wrong version, unexpected frame, failed proof — closes this connection with a
 * reason; nothing thrown here ever escapes into the node.
 *
 * The handshake (4 frames, both sides prove the secret) is `handshake.ts`.
 */
import type { Socket } from "node:net";
import type { Envelope } from "@skein/core";
import { decodeEnvelope, pack } from "./codec.ts";
import { EnvelopeReader } from "./envelope-reader.ts";
import { encodeFrame, FrameDecoder, FrameError, FrameType } from "./frame.ts";
import { Handshake } from "./handshake.ts";
import { peerAddress } from "./transport.ts";

export type ConnectionRole = "connector" | "acceptor";

/** What a connection needs from the node that owns it. */
export interface ConnectionOwner {
  readonly self: string;
  readonly secret: string;
  readonly version: number;
  /** This node's incarnation id, sent in the Hello. */
  readonly incarnation: Uint8Array;
  readonly frameBytesMax: number;
  readonly handshakeTimeoutMs: number;
  readonly readTimeoutMs: number;
  readonly pingIntervalMs: number;
  /** Acceptor side, after the peer proved the secret: a reason to refuse it, or undefined to admit. */
  admit(connection: Connection): string | undefined;
  opened(connection: Connection): void;
  envelope(connection: Connection, envelope: Envelope): void;
  closed(connection: Connection, reason: string): void;
}

/** How long a refused connection lingers so that the Refuse frame reaches the peer. */
const LINGER_MS = 1_000;
/** The first byte of a TLS handshake record: what a TLS peer sends to a plain listener. */
const TLS_HANDSHAKE_RECORD = 0x16;

export class Connection {
  /** The remote address, kept for log lines written after the socket is gone. */
  readonly remote: string;
  private phase: "handshake" | "open" | "closed" = "handshake";
  private readonly handshake: Handshake;
  private readonly decoder: FrameDecoder;
  private readonly reader = new EnvelopeReader();
  private timer: NodeJS.Timeout | undefined;
  private lastReadMs = performance.now();
  private lastWriteMs = performance.now();

  constructor(
    readonly socket: Socket,
    readonly role: ConnectionRole,
    private readonly owner: ConnectionOwner,
    expectedPeer?: string,
  ) {
    this.remote = peerAddress(socket);
    const { self, secret, version, incarnation } = owner;
    const send = (frame: Buffer) => {
      this.lastWriteMs = performance.now();
      socket.write(frame);
    };
    this.handshake = new Handshake({ role, self, secret, magic: "skein", version, incarnation, expectedPeer, admit: () => this.admit(), send });
    this.decoder = new FrameDecoder(owner.frameBytesMax);
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("error", (error) => this.close(`socket error: ${error.message}`));
    socket.on("close", () => this.close("closed by peer"));
    socket.on("drain", () => this.onDrain?.());
    this.timer = setTimeout(() => this.close("handshake timeout"), owner.handshakeTimeoutMs);
    this.timer.unref();
    this.handshake.start();
  }

  /** The authenticated peer (the expected one for a connector, from its Hello for an acceptor). */
  get peer(): string | undefined {
    return this.handshake.peer;
  }

  /** The peer's incarnation id (hex), from its Hello. */
  get peerIncarnation(): string | undefined {
    return this.handshake.peerIncarnation;
  }

  /** Called when the socket's buffer has drained (the link resumes flushing). */
  onDrain: (() => void) | undefined;

  get isOpen(): boolean {
    return this.phase === "open";
  }

  /** True once the peer has proved the secret to this side (a connector past the peer's Hello). */
  get peerProven(): boolean {
    return this.phase === "open" || this.handshake.peerProven;
  }

  get isClosed(): boolean {
    return this.phase === "closed";
  }

  /** Bytes handed to the socket and not yet passed to the kernel. */
  get writableBytes(): number {
    return this.socket.writableLength;
  }

  /** Writes raw bytes (whole frames); only once open. */
  write(bytes: Buffer): void {
    if (this.phase !== "open") return;
    this.lastWriteMs = performance.now();
    this.socket.write(bytes);
  }

  /** Closes the connection; `graceful` lets frames already written (a Refuse) reach the peer first. */
  close(reason: string, graceful = false): void {
    if (this.phase === "closed") return;
    this.phase = "closed";
    clearTimeout(this.timer);
    clearInterval(this.timer);
    if (graceful) {
      this.socket.end();
      setTimeout(() => this.socket.destroy(), LINGER_MS).unref();
    } else this.socket.destroy();
    this.owner.closed(this, reason);
  }

  private writeFrame(type: FrameType, body: unknown): void {
    this.lastWriteMs = performance.now();
    this.socket.write(encodeFrame(type, pack(body)));
  }

  private receive(chunk: Buffer): void {
    if (this.phase === "closed") return;
    this.lastReadMs = performance.now();
    try {
      this.decoder.feed(chunk, this.onFrame);
    } catch (error) {
      const reason = error instanceof FrameError ? `bad frame: ${error.message}` : `error handling frame: ${error instanceof Error ? error.message : String(error)}`;
      const tls = this.phase === "handshake" && this.peer === undefined && this.role === "acceptor" && chunk[0] === TLS_HANDSHAKE_RECORD;
      this.close(tls ? `${reason} (looks like TLS: is the peer configured with TLS and this node without?)` : reason);
    }
  }

  private readonly onFrame = (type: FrameType, data: Buffer, start: number, end: number): void => {
    if (this.phase === "closed") return;
    if (this.phase !== "open") return this.handle(type, data.subarray(start, end));
    if (type === FrameType.Envelope) {
      // the in-place reader, or msgpackr for what it does not read (same checks, named errors)
      const envelope = this.reader.read(data, start, end) ?? decodeEnvelope(data.subarray(start, end));
      if (envelope.source.node !== this.peer) throw new FrameError(`envelope from ${envelope.source.node} on the connection of ${this.peer}`);
      this.owner.envelope(this, envelope);
    } else if (type !== FrameType.Ping) throw new FrameError(`unexpected frame type ${type} on an open connection`);
  };

  /** A frame during the handshake. */
  private handle(type: FrameType, body: Buffer): void {
    const step = this.handshake.receive(type, body);
    if (step.kind === "refused") this.close(`refused by ${this.peer ?? "peer"}: ${step.reason}`);
    else if (step.kind === "refusing") this.close(`refused: ${step.reason}`, true);
    else if (step.kind === "open") this.open();
  }

  /** Acceptor: the owner's verdict on a peer that proved the secret. */
  private admit(): { refuse: string } | { welcome: Record<string, unknown> } {
    const refusal = this.owner.admit(this);
    return refusal ? { refuse: refusal } : { welcome: {} };
  }

  private open(): void {
    clearTimeout(this.timer);
    this.phase = "open";
    const { readTimeoutMs, pingIntervalMs } = this.owner;
    this.timer = setInterval(() => this.watch(readTimeoutMs, pingIntervalMs), Math.max(1, Math.min(pingIntervalMs, readTimeoutMs / 2)));
    this.timer.unref();
    this.owner.opened(this);
  }

  private watch(readTimeoutMs: number, pingIntervalMs: number): void {
    const now = performance.now();
    if (now - this.lastReadMs > readTimeoutMs) return this.close(`read timeout: nothing received for ${readTimeoutMs} ms`);
    if (now - this.lastWriteMs >= pingIntervalMs) this.writeFrame(FrameType.Ping, 0);
  }
}
