/**
 * One authenticated TCP (or TLS) connection between two nodes, either side's. It runs the
 * handshake, decodes frames, watches for silence (read timeout, with pings to keep a quiet but
 * healthy connection alive), and reports to its owner. Any bad input — malformed, truncated,
 * oversized, wrong version, unexpected frame, failed proof — closes this connection with a
 * reason; nothing thrown here ever escapes into the node.
 *
 * Handshake (4 frames, the connector sends nothing else until Welcome):
 *   connector → Hello{node, target, nonce₁}
 *   acceptor  → Hello{node, nonce₂, proof(accept, nonce₁)}
 *   connector → Auth{proof(connect, nonce₂)}
 *   acceptor  → Welcome  (or Refuse{reason}, then close)
 */
import type { Socket } from "node:net";
import type { Envelope } from "@skein/core";
import { freshNonce, proveKnowledge, verifyProof } from "./auth.ts";
import { decodeAuth, decodeEnvelope, decodeHello, decodeRefuse, pack } from "./codec.ts";
import { EnvelopeReader } from "./envelope-reader.ts";
import { encodeFrame, type Frame, FrameDecoder, FrameError, FrameType } from "./frame.ts";

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

type Phase = "hello" | "auth" | "welcome" | "open" | "closed";

export class Connection {
  /** The authenticated peer (the expected one for a connector, from its Hello for an acceptor). */
  peer: string | undefined;
  /** The peer's incarnation id (hex), from its Hello. */
  peerIncarnation: string | undefined;
  /** The remote address, kept for log lines written after the socket is gone. */
  readonly remote: string;
  private phase: Phase;
  private readonly decoder: FrameDecoder;
  private readonly reader = new EnvelopeReader();
  private readonly nonce = freshNonce();
  private timer: NodeJS.Timeout | undefined;
  private lastReadMs = performance.now();
  private lastWriteMs = performance.now();

  constructor(
    readonly socket: Socket,
    readonly role: ConnectionRole,
    private readonly owner: ConnectionOwner,
    expectedPeer?: string,
  ) {
    this.peer = expectedPeer;
    this.remote = socket.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort}` : "?";
    this.phase = "hello";
    this.decoder = new FrameDecoder(owner.frameBytesMax);
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("error", (error) => this.close(`socket error: ${error.message}`));
    socket.on("close", () => this.close("closed by peer"));
    socket.on("drain", () => this.onDrain?.());
    this.timer = setTimeout(() => this.close("handshake timeout"), owner.handshakeTimeoutMs);
    this.timer.unref();
    if (role === "connector") this.writeFrame(FrameType.Hello, { magic: "skein", version: owner.version, node: owner.self, target: expectedPeer, nonce: this.nonce, incarnation: owner.incarnation });
  }

  /** Called when the socket's buffer has drained (the link resumes flushing). */
  onDrain: (() => void) | undefined;

  get isOpen(): boolean {
    return this.phase === "open";
  }

  /** True once the peer has proved the secret to this side (a connector past the peer's Hello). */
  get peerProven(): boolean {
    return this.phase === "open" || (this.role === "connector" && this.phase === "welcome");
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
      const tls = this.phase === "hello" && this.role === "acceptor" && chunk[0] === TLS_HANDSHAKE_RECORD;
      this.close(tls ? `${reason} (looks like TLS: is the peer configured with TLS and this node without?)` : reason);
    }
  }

  private readonly onFrame = (type: FrameType, data: Buffer, start: number, end: number): void => {
    if (this.phase === "closed") return;
    if (this.phase !== "open") return this.handle({ type, body: data.subarray(start, end) });
    if (type === FrameType.Envelope) {
      // the in-place reader, or msgpackr for what it does not read (same checks, named errors)
      const envelope = this.reader.read(data, start, end) ?? decodeEnvelope(data.subarray(start, end));
      if (envelope.source.node !== this.peer) throw new FrameError(`envelope from ${envelope.source.node} on the connection of ${this.peer}`);
      this.owner.envelope(this, envelope);
    } else if (type !== FrameType.Ping) throw new FrameError(`unexpected frame type ${type} on an open connection`);
  };

  /** A frame during the handshake. */
  private handle(frame: Frame): void {
    if (frame.type === FrameType.Refuse) {
      this.close(`refused by ${this.peer ?? "peer"}: ${decodeRefuse(frame.body)}`);
      return;
    }
    if (this.role === "connector") this.connectorStep(frame);
    else this.acceptorStep(frame);
  }

  private connectorStep(frame: Frame): void {
    const { secret, self } = this.owner;
    if (this.phase === "hello" && frame.type === FrameType.Hello) {
      const hello = decodeHello(frame.body, this.owner.version);
      if (hello.node !== this.peer) throw new FrameError(`expected node ${this.peer}, reached ${hello.node}`);
      this.peerIncarnation = Buffer.from(hello.incarnation).toString("hex");
      if (!hello.proof || !verifyProof(secret, "accept", this.nonce, hello.node, hello.proof)) {
        return this.refuse(`${hello.node} failed authentication (wrong cluster secret?)`);
      }
      this.writeFrame(FrameType.Auth, { proof: proveKnowledge(secret, "connect", hello.nonce, self) });
      this.phase = "welcome";
    } else if (this.phase === "welcome" && frame.type === FrameType.Welcome) {
      this.open();
    } else throw new FrameError(`unexpected frame type ${frame.type} during the handshake`);
  }

  private acceptorStep(frame: Frame): void {
    const { secret, self } = this.owner;
    if (this.phase === "hello" && frame.type === FrameType.Hello) {
      const hello = decodeHello(frame.body, this.owner.version);
      if (hello.target !== self) return this.refuse(`this is node ${self}, not ${hello.target ?? "(none)"}`);
      this.peer = hello.node;
      this.peerIncarnation = Buffer.from(hello.incarnation).toString("hex");
      this.writeFrame(FrameType.Hello, { magic: "skein", version: this.owner.version, node: self, nonce: this.nonce, incarnation: this.owner.incarnation, proof: proveKnowledge(secret, "accept", hello.nonce, self) });
      this.phase = "auth";
    } else if (this.phase === "auth" && frame.type === FrameType.Auth) {
      const proof = decodeAuth(frame.body);
      if (!verifyProof(secret, "connect", this.nonce, this.peer!, proof)) return this.refuse(`${this.peer} failed authentication (wrong cluster secret?)`);
      const refusal = this.owner.admit(this);
      if (refusal) return this.refuse(refusal);
      this.writeFrame(FrameType.Welcome, {});
      this.open();
    } else throw new FrameError(`unexpected frame type ${frame.type} during the handshake`);
  }

  private refuse(reason: string): void {
    this.writeFrame(FrameType.Refuse, { reason });
    this.close(`refused: ${reason}`, true);
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
