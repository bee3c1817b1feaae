/**
 * The handshake every Skein TCP connection starts with, sans I/O: it is fed the frames that
 * arrive and hands the frames to send to `send`. Both sides prove the shared secret without
 * sending it (see auth.ts), the acceptor first, so a connector never talks to an impostor:
 *
 *   connector → Hello{magic, version, node, target, nonce₁, info?}
 *   acceptor  → Hello{magic, version, node, nonce₂, proof(accept, nonce₁), info?}
 *   connector → Auth{proof(connect, nonce₂)}
 *   acceptor  → Welcome{…}  (or Refuse{reason}, then close)
 *
 * The connector sends nothing else until the Welcome. Nodes (`NetNode`'s connections) and
 * flow's master and workers run it, each with its own magic and version, so a peer of another
 * protocol or version is told so by name. `info` carries what a side declares about itself
 * (a worker's cores); the Welcome's body what the acceptor tells an admitted connector.
 * A frame that breaks the protocol throws FrameError: the owner closes the connection.
 */
import { freshNonce, proveKnowledge, verifyProof } from "./auth.ts";
import { decodeAuth, decodeHello, decodeRefuse, pack, type HelloBody, unpack } from "./codec.ts";
import { encodeFrame, FrameError, FrameType } from "./frame.ts";

export type HandshakeRole = "connector" | "acceptor";

/** What the acceptor decides once the connector has proved the secret. */
export type Admission = { readonly refuse: string } | { readonly welcome: Record<string, unknown> };

export interface HandshakeInit {
  readonly role: HandshakeRole;
  /** This side's node id. */
  readonly self: string;
  readonly secret: string;
  /** The protocol's name in every Hello ("skein" for nodes). */
  readonly magic: string;
  readonly version: number;
  /** This side's incarnation (8 bytes; see `HelloBody.incarnation`). */
  readonly incarnation: Uint8Array;
  /** Connector: the node it means to reach; a different one is an error. */
  readonly expectedPeer?: string;
  /** Sent in this side's Hello. */
  readonly info?: Record<string, unknown>;
  /** How refusals name the secret ("cluster secret", "password"). */
  readonly secretName?: string;
  /** Acceptor: called once the connector proved the secret. Default: admit with an empty Welcome. */
  readonly admit?: (handshake: Handshake) => Admission;
  readonly send: (frame: Buffer) => void;
}

/**
 * What a frame did: `continue` (more frames to come), `open` (connector: welcomed, with the
 * Welcome's body; acceptor: it sent the Welcome), `refusing` (this side refused the peer and
 * sent it a Refuse: close once it is written), `refused` (the peer refused this side).
 */
export type HandshakeStep =
  | { readonly kind: "continue" }
  | { readonly kind: "open"; readonly welcome: Record<string, unknown> }
  | { readonly kind: "refusing"; readonly reason: string }
  | { readonly kind: "refused"; readonly reason: string };

type Phase = "hello" | "auth" | "welcome" | "done";

const CONTINUE: HandshakeStep = { kind: "continue" };

export class Handshake {
  /** The peer: the expected one for a connector, from its Hello for an acceptor. */
  peer: string | undefined;
  /** The peer's incarnation (hex), from its Hello. */
  peerIncarnation: string | undefined;
  /** What the peer declared in its Hello (`{}` if nothing). */
  peerInfo: Record<string, unknown> = {};
  private phase: Phase = "hello";
  private readonly nonce = freshNonce();

  constructor(private readonly init: HandshakeInit) {
    this.peer = init.expectedPeer;
  }

  /** True once the peer has proved the secret to this side. */
  get peerProven(): boolean {
    return this.phase === "done" || (this.init.role === "connector" && this.phase === "welcome");
  }

  /** Connector: sends the first Hello. */
  start(): void {
    if (this.init.role !== "connector") return;
    this.hello({ target: this.init.expectedPeer });
  }

  /** Handles one handshake frame; throws FrameError if it is out of place or malformed. */
  receive(type: FrameType, body: Uint8Array): HandshakeStep {
    if (this.phase === "done") throw new FrameError(`frame type ${type} after the handshake`);
    if (type === FrameType.Refuse) {
      this.phase = "done";
      return { kind: "refused", reason: decodeRefuse(body) };
    }
    return this.init.role === "connector" ? this.connectorStep(type, body) : this.acceptorStep(type, body);
  }

  private connectorStep(type: FrameType, body: Uint8Array): HandshakeStep {
    const { secret, self } = this.init;
    if (this.phase === "hello" && type === FrameType.Hello) {
      const hello = this.readHello(body);
      if (hello.node !== this.peer) throw new FrameError(`expected node ${this.peer}, reached ${hello.node}`);
      if (!hello.proof || !verifyProof(secret, "accept", this.nonce, hello.node, hello.proof)) return this.refuse(`${hello.node} failed authentication (${this.wrongSecret})`);
      this.init.send(encodeFrame(FrameType.Auth, pack({ proof: proveKnowledge(secret, "connect", hello.nonce, self) })));
      this.phase = "welcome";
      return CONTINUE;
    }
    if (this.phase === "welcome" && type === FrameType.Welcome) {
      this.phase = "done";
      const welcome = unpack(body);
      return { kind: "open", welcome: typeof welcome === "object" && welcome !== null && !Array.isArray(welcome) ? (welcome as Record<string, unknown>) : {} };
    }
    throw new FrameError(`unexpected frame type ${type} during the handshake`);
  }

  private acceptorStep(type: FrameType, body: Uint8Array): HandshakeStep {
    const { secret, self } = this.init;
    if (this.phase === "hello" && type === FrameType.Hello) {
      const hello = this.readHello(body);
      if (hello.target !== self) return this.refuse(`this is node ${self}, not ${hello.target ?? "(none)"}`);
      this.peer = hello.node;
      this.hello({ proof: proveKnowledge(secret, "accept", hello.nonce, self) });
      this.phase = "auth";
      return CONTINUE;
    }
    if (this.phase === "auth" && type === FrameType.Auth) {
      if (!verifyProof(secret, "connect", this.nonce, this.peer!, decodeAuth(body))) return this.refuse(`${this.peer} failed authentication (${this.wrongSecret})`);
      const admission = this.init.admit?.(this) ?? { welcome: {} };
      if ("refuse" in admission) return this.refuse(admission.refuse);
      this.init.send(encodeFrame(FrameType.Welcome, pack(admission.welcome)));
      this.phase = "done";
      return { kind: "open", welcome: admission.welcome };
    }
    throw new FrameError(`unexpected frame type ${type} during the handshake`);
  }

  private get wrongSecret(): string {
    return `wrong ${this.init.secretName ?? "cluster secret"}?`;
  }

  private readHello(body: Uint8Array): HelloBody {
    const hello = decodeHello(body, this.init.version, this.init.magic);
    this.peerIncarnation = Buffer.from(hello.incarnation).toString("hex");
    this.peerInfo = hello.info ?? {};
    return hello;
  }

  private hello(fields: { target?: string; proof?: Uint8Array }): void {
    const { magic, version, self, incarnation, info } = this.init;
    this.init.send(encodeFrame(FrameType.Hello, pack({ magic, version, node: self, nonce: this.nonce, incarnation, ...fields, ...(info ? { info } : {}) })));
  }

  private refuse(reason: string): HandshakeStep {
    this.phase = "done";
    this.init.send(encodeFrame(FrameType.Refuse, pack({ reason })));
    return { kind: "refusing", reason };
  }
}
