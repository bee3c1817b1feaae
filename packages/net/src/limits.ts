/**
 * Every bound of the TCP runtime in one place. Each is the default of a `NetInit` option (see
 * `net-node.ts`); nothing in the wire path grows without one of these limits.
 */

/** Wire protocol version, sent in the handshake; a peer with another version is refused. */
export const WIRE_VERSION = 2; // 2: the Hello carries the sender's incarnation
/** Largest frame accepted or sent, in bytes (header excluded). Bigger input closes the connection. */
export const FRAME_BYTES_MAX_DEFAULT = 4 * 1024 * 1024;
/** Most messages waiting in one peer's outbound queue; more are refused (MessageError / UnreachableError). */
export const OUTBOUND_QUEUE_MESSAGES_MAX_DEFAULT = 65_536;
/** Most encoded bytes waiting in one peer's outbound queue. */
export const OUTBOUND_QUEUE_BYTES_MAX_DEFAULT = 64 * 1024 * 1024;
/** Bytes the kernel socket buffer may hold before the link keeps messages in its own queue. */
export const SOCKET_BUFFER_BYTES_HIGH = 4 * 1024 * 1024;
/**
 * Most bytes of one coalesced write (many small frames per `write`): a busy link's outbound
 * slab grows to this size, and one write hands the socket at most one slab (a frame larger
 * than this gets a slab, and a write, of its own).
 */
export const WRITE_BATCH_BYTES = 256 * 1024;
/** A TCP connect that has not completed in this time is aborted and counts as a failure. */
export const CONNECT_TIMEOUT_MS_DEFAULT = 2_000;
/** The handshake (hello, proofs, welcome) must finish within this time. */
export const HANDSHAKE_TIMEOUT_MS_DEFAULT = 2_000;
/** A connection that receives nothing (not even a ping) for this long is closed. */
export const READ_TIMEOUT_MS_DEFAULT = 15_000;
/** Pings are sent when a connection has been idle for this long (a third of the read timeout). */
export const PING_INTERVAL_MS_DEFAULT = 5_000;
/** Backoff `delay = min(R·T·F^N, M)`: T, the first delay. */
export const BACKOFF_INITIAL_MS_DEFAULT = 50;
/** Backoff: F, the growth factor per failed attempt. */
export const BACKOFF_FACTOR_DEFAULT = 2;
/** Backoff: M, the longest delay. */
export const BACKOFF_MAX_MS_DEFAULT = 2_000;
/**
 * Consecutive failed connection attempts after which the link gives up: queued calls fail with
 * UnreachableError, queued sends are dropped, and new calls fail fast until the next attempt.
 */
export const CONNECT_ATTEMPTS_MAX_DEFAULT = 4;
/** Most inbound connections a node keeps that have not finished their handshake. */
export const HANDSHAKES_PENDING_MAX = 256;
