import type { Address } from "./address.ts";
import type { Envelope, EnvelopeKind } from "./envelope.ts";
import type { NodeHost } from "./node-host.ts";
import type { Storage } from "./storage.ts";

/** Severity of a log entry. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** One line a service logged. `fields` must be plain data. */
export interface LogEntry {
  readonly level: LogLevel;
  readonly service: string;
  readonly message: string;
  readonly fields?: Record<string, unknown>;
}

/**
 * The seam between services and the world. The simulator implements it with virtual time, a
 * seeded random stream per node and a modelled network; the TCP runtime with the real clock,
 * sockets and disk. Services never see it directly: they see a `Context`, which `core` builds
 * on top of it, so call/reply, timeouts, barriers and lifecycle behave the same everywhere.
 *
 * A runtime hosts `NodeHost`s: it creates them, starts/crashes them, calls `deliver` when an
 * envelope arrives and `undeliverable` when it learns one cannot arrive.
 */
export interface Runtime {
  /** Milliseconds on `node`'s clock (virtual in the simulator; includes injected skew). */
  now(node: NodeHost): number;
  /** A number in [0, 1) from `node`'s random stream. */
  random(node: NodeHost): number;
  /** Hands an envelope from `node` to the network. Never throws for network conditions. */
  transmit(node: NodeHost, envelope: Envelope): void;
  /**
   * Optional: `transmit` with the envelope's fields as arguments. A runtime that keeps messages
   * in its own arrays (the simulator) implements it so that no Envelope is allocated per
   * message; `NodeHost` uses it when present. Such a runtime delivers with `NodeHost.receive`.
   */
  transmitFields?(node: NodeHost, kind: EnvelopeKind, source: Address, target: Address, type: string, body: unknown, callId: number): void;
  /** Calls `callback` after `delayMs` of `node`'s time; returns a handle for `clearTimer`. */
  setTimer(node: NodeHost, delayMs: number, callback: () => void): unknown;
  clearTimer(node: NodeHost, handle: unknown): void;
  /** The node's durable storage (the same object across restarts of the node). */
  storage(node: NodeHost): Storage;
  log(node: NodeHost, entry: LogEntry): void;
  /**
   * Promise work was started (an async handler, a settled call): the simulator lets every
   * continuation run before it takes the next event. Real runtimes ignore it.
   */
  asyncStarted(): void;
}
