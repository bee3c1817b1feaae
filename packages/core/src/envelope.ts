import type { Address } from "./address.ts";
import { MessageError } from "./errors.ts";

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

/** The Failure body for an error a handler threw. */
export function failureOf(error: unknown): FailureBody {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}

/** The `type` of an outgoing message; MessageError unless it is an object with a non-empty string `type`. */
export function checkMessage(message: unknown): string {
  if (typeof message !== "object" || message === null) throw new MessageError(`a message must be an object, got ${message === null ? "null" : typeof message}`);
  const type = (message as { type?: unknown }).type;
  if (typeof type !== "string" || type.length === 0) throw new MessageError(`message field 'type' must be a non-empty string, got ${JSON.stringify(type) ?? "undefined"}`);
  return type;
}
