import type { Address } from "./address.ts";

/** What an envelope carries. */
export const EnvelopeKind = {
  /** Fire-and-forget message. */
  Send: 0,
  /** A request that expects a reply with the same `callId`. */
  Call: 1,
  /** The handler's return value for `callId`. */
  Reply: 2,
  /** The handler threw; `body` is `{ name, message }`. */
  Failure: 3,
} as const;
export type EnvelopeKind = (typeof EnvelopeKind)[keyof typeof EnvelopeKind];

/**
 * A message in transit between two services. The runtimes move envelopes; `core` creates and
 * consumes them. `body` is the message object itself (with its `type`) for Send/Call.
 */
export interface Envelope {
  readonly kind: EnvelopeKind;
  readonly source: Address;
  readonly target: Address;
  /** The message type (for replies: the type of the request answered). */
  readonly type: string;
  readonly body: unknown;
  /** Set on Call, Reply and Failure; unique per calling node incarnation. */
  readonly callId: number;
}

/** The `body` of a Failure envelope. */
export interface FailureBody {
  readonly name: string;
  readonly message: string;
}
