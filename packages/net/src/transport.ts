/**
 * The byte transport under the connections: plain TCP, or TLS with mutual certificates. Both
 * sides present a certificate and check the other's against the cluster CA; host names are
 * not checked, because a node's identity is what the HMAC handshake proves inside the TLS
 * session (the certificate says "a member of this cluster", the proof says "node x").
 *
 * The TLS listener checks the client's certificate itself (`rejectUnauthorized: false`, then
 * `socket.authorized`) instead of letting Node drop it silently, so every refusal has a
 * logged reason, and the refused peer gets it too, in a Refuse frame inside the TLS session.
 * It bounds the TLS handshake by the node's handshake timeout, destroys sockets whose TLS
 * handshake failed (Node leaves them open), and counts TLS handshakes in progress toward the
 * node's limit on pending handshakes.
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket, type TlsOptions } from "node:tls";
import { pack } from "./codec.ts";
import { encodeFrame, FrameType } from "./frame.ts";
import type { PeerAddress } from "./link.ts";

/** Key and certificate of this node, and the CA its peers' certificates must be signed by. */
export type TlsInit = Pick<TlsOptions, "key" | "cert" | "ca">;

export interface ListenerInit {
  readonly tls?: TlsInit;
  readonly handshakeTimeoutMs: number;
  /** Most connections in a handshake (TLS or Skein) at once. */
  readonly handshakesPendingMax: number;
}

export interface ListenerComponents {
  /** A connection ready for the Skein handshake (after TLS, if any). */
  accept(socket: Socket): void;
  /** Connections in the Skein handshake, counted toward `handshakesPendingMax`. */
  handshakesPending(): number;
  /** A connection refused before the Skein handshake, with the reason. */
  refused(remote: string, reason: string): void;
}

/** A listener (not yet listening) that hands accepted connections to `components.accept`. */
export function createListener(init: ListenerInit, components: ListenerComponents): Server {
  const full = (pending: number) => pending >= init.handshakesPendingMax;
  if (!init.tls) {
    return createServer((socket) => {
      if (!full(components.handshakesPending())) return components.accept(socket);
      components.refused(peerAddress(socket), `${init.handshakesPendingMax} handshakes pending`);
      socket.destroy();
    });
  }
  let tlsPending = 0;
  /** Connections destroyed here for the limit, whose "socket hang up" is not worth a second line. */
  let droppedForLimit = 0;
  const server = createTlsServer({ ...init.tls, requestCert: true, rejectUnauthorized: false, handshakeTimeout: init.handshakeTimeoutMs }, (socket) => {
    tlsPending--;
    if (!socket.authorized) {
      const why = String(socket.authorizationError ?? "none presented");
      components.refused(peerAddress(socket), `TLS: client certificate not accepted (${why})`);
      refuse(socket, `TLS: your certificate was not accepted (${why})`);
      return;
    }
    components.accept(socket);
  });
  // Every accepted TCP connection ends in exactly one of secureConnection or tlsClientError.
  server.on("connection", (socket: Socket) => {
    tlsPending++;
    if (!full(tlsPending - 1 + components.handshakesPending())) return;
    droppedForLimit++;
    components.refused(peerAddress(socket), `${init.handshakesPendingMax} handshakes pending`);
    socket.destroy();
  });
  server.on("tlsClientError", (error: Error, socket: TLSSocket) => {
    tlsPending--;
    const remote = peerAddress(socket);
    const hint = plainHint(error);
    if (hint) refusePlain(socket);
    else socket.destroy();
    if (droppedForLimit > 0 && (error as NodeJS.ErrnoException).code === "ECONNRESET") return void droppedForLimit--;
    components.refused(remote, `TLS handshake failed: ${error.message.split("\n")[0]!.trim()}${hint}`);
  });
  return server;
}

/** How long a socket refused after TLS lingers so that the Refuse frame reaches the peer. */
const REFUSE_LINGER_MS = 1_000;

/**
 * Tells a peer whose certificate failed why, in a Refuse frame (its handshake reads it and
 * stops with the reason; otherwise it would see only a closed connection and retry for ever).
 */
function refuse(socket: TLSSocket, reason: string): void {
  socket.on("error", () => socket.destroy());
  socket.end(encodeFrame(FrameType.Refuse, pack({ reason })));
  setTimeout(() => socket.destroy(), REFUSE_LINGER_MS).unref();
}

/**
 * A peer without TLS speaks plain Skein frames, so it can read a plain Refuse: written on the
 * TCP socket under the failed TLS session (Node's `_parent`), it stops the peer with the reason
 * instead of leaving it to retry a connection that closes at once.
 */
function refusePlain(socket: TLSSocket): void {
  const raw = (socket as TLSSocket & { _parent?: Socket })._parent;
  if (!raw || raw.destroyed) return void socket.destroy();
  const reason = "TLS: this listener requires TLS; give this side --tls-cert, --tls-key and --tls-ca too";
  const close = () => {
    socket.destroy();
    raw.destroy();
  };
  raw.on("error", close);
  raw.write(encodeFrame(FrameType.Refuse, pack({ reason })), close);
  setTimeout(close, REFUSE_LINGER_MS).unref();
}

/** Opens a connection to `address`; `ready` is the event after which the Skein handshake may start. */
export function dialSocket(address: PeerAddress, tls: TlsInit | undefined): { socket: Socket; ready: string } {
  if (!tls) return { socket: tcpConnect({ host: address.host, port: address.port }), ready: "connect" };
  const socket = tlsConnect({ ...tls, host: address.host, port: address.port, rejectUnauthorized: true, checkServerIdentity: () => undefined });
  return { socket, ready: "secureConnect" };
}

/**
 * host:port of a socket's peer as people write it: an IPv4 peer of a dual-stack listener
 * without its "::ffff:", an IPv6 one in brackets; "?" once the socket has no peer.
 */
export function peerAddress(socket: Socket): string {
  if (!socket.remoteAddress) return "?";
  const host = socket.remoteAddress.replace(/^::ffff:(?=\d+\.)/, "");
  return host.includes(":") ? `[${host}]:${socket.remotePort}` : `${host}:${socket.remotePort}`;
}

/** A peer speaking plain Skein frames to a TLS listener shows up as a bad TLS record. */
function plainHint(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ERR_SSL_WRONG_VERSION_NUMBER" || code === "ERR_SSL_HTTP_REQUEST" ? " (is the peer configured without TLS?)" : "";
}
