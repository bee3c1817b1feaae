import type { Context } from "./context.ts";
import type { Handlers, Protocol } from "./protocol.ts";

/**
 * A running service: its handlers, one per message type of its protocol, and optional
 * lifecycle hooks. A new instance is made by its factory at every (re)start of the node, so
 * in-memory state starts empty and `start` recovers whatever it needs from `ctx.storage`.
 */
export interface Service<P extends Protocol = Protocol> {
  readonly handlers: Handlers<P>;
  /** Runs when the node starts or restarts, before any later event reaches the service. */
  start?(): void | Promise<void>;
  /** Runs on a graceful stop (never on a crash). */
  stop?(): void;
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
