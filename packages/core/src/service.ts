import type { Context } from "./context.ts";
import type { Handlers, Protocol } from "./protocol.ts";

/**
 * A running service: its handlers, one per message type of its protocol, and optional
 * lifecycle hooks (and, opt-in, the `checkpoint`/`restore` pair that lets a replay start from a
 * checkpoint in the middle of a recorded run: see `checkpoint.ts`). A new instance is made by its factory at every (re)start of the node, so
 * in-memory state starts empty and `start` recovers whatever it needs from `ctx.storage`.
 */
export interface Service<P extends Protocol = Protocol> {
  readonly handlers: Handlers<P>;
  /** Runs when the node starts or restarts, before any later event reaches the service. */
  start?(): void | Promise<void>;
  /** Runs on a graceful stop (never on a crash). */
  stop?(): void;
  /**
   * Optional, with `restore`: the service's in-memory state as plain data (msgpack-serialisable:
   * objects, arrays, strings, numbers, booleans, null; no Maps or Sets — convert them). Called
   * only when the node is quiescent (no call awaiting a reply, no async handler or callback
   * running), so a service never has to describe suspended code. It must not touch the
   * runtime: no clock, no random draw, no send, no timer, no storage write. Throwing skips the
   * checkpoint. Storage is not part of the state; the runtime snapshots it.
   */
  checkpoint?(): unknown;
  /**
   * Brings a fresh instance (its factory just ran; `start` does not) to the state `checkpoint`
   * returned, with storage as it was then, and re-arms the timers that instance had armed — in
   * the order it had created the ones still armed (a periodic timer keeps the place of its
   * creation). A replay maps the timers armed here onto the recorded ones in that order. Like
   * `checkpoint` it reads no clock or random and sends nothing.
   */
  restore?(state: unknown): void | Promise<void>;
}

/** Builds a service instance for one incarnation of a node. */
// biome-ignore lint/suspicious/noExplicitAny: a factory for any protocol; checked where it is defined
export type ServiceFactory<P extends Protocol = any> = (ctx: Context) => Service<P>;

/**
 * Declares a service factory with its protocol type, so handlers are checked against it:
 *
 * ```ts
 * const echo = service<EchoProtocol>((ctx) => ({
 *   handlers: { echo: ({ text }) => ({ text }) },
 * }));
 * ```
 */
export function service<P extends Protocol>(factory: (ctx: Context) => Service<P>): ServiceFactory<P> {
  return factory;
}
