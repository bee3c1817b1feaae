import type { Address } from "./address.ts";

/**
 * A service's protocol: for each message type, the request it accepts and the reply it gives.
 * Fire-and-forget messages use `reply: void`.
 *
 * ```ts
 * type EchoProtocol = {
 *   echo: { request: { text: string }; reply: { text: string } };
 * };
 * ```
 */
export type Protocol = { [type: string]: { request: object; reply: unknown } };

/** The message of type `K`: its request fields plus `type`. */
export type Message<P extends Protocol, K extends keyof P & string = keyof P & string> = {
  [T in K]: { readonly type: T } & P[T]["request"];
}[K];

/** What a `call` with a message of type `K` resolves to. */
export type Reply<P extends Protocol, K extends keyof P & string> = P[K]["reply"];

/** One handler per message type; the return value (or thrown error) is the reply of a `call`. */
export type Handlers<P extends Protocol> = {
  [K in keyof P & string]: (message: Message<P, K>, source: Address) => Reply<P, K> | Promise<Reply<P, K>>;
};

/** Any message on the wire: an object with a string `type`. */
export interface AnyMessage {
  readonly type: string;
  readonly [field: string]: unknown;
}
