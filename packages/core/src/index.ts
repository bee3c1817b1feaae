/**
 * @skein/core — the programming model: addresses, typed messages, services, the `Context`
 * they see, named errors, barrier helpers, storage, and the `Runtime` seam that the simulator
 * (`@skein/sim`) and the TCP runtime implement. No I/O, no clock, no randomness here.
 *
 * ```ts
 * import { ref, service } from "@skein/core";
 * type EchoProtocol = { echo: { request: { text: string }; reply: { text: string } } };
 * export const echoServer = service<EchoProtocol>(() => ({
 *   handlers: { echo: ({ text }) => ({ text }) },
 * }));
 * export const client = service<{}>((ctx) => ({
 *   handlers: {},
 *   async start() {
 *     const reply = await ctx.call(ref<EchoProtocol>("server", "echo"), { type: "echo", text: "hi" }, { timeoutMs: 100 });
 *     ctx.log.info("echoed", reply);
 *   },
 * }));
 * ```
 */
export type { Address, NodeId, ServiceRef } from "./address.ts";
export { type Clock, contextClock } from "./clock.ts";
export { formatAddress, ref } from "./address.ts";
export type { Deadline, Settled } from "./barrier.ts";
export { firstSuccess, quorum, settleAll } from "./barrier.ts";
export type { HostCheckpoint } from "./checkpoint.ts";
export type { Context, Logger } from "./context.ts";
export { ServiceContext } from "./context.ts";
export type { Envelope, FailureBody } from "./envelope.ts";
export { EnvelopeKind } from "./envelope.ts";
export {
  AllFailedError,
  AssertionFailure,
  assert,
  CancelledError,
  CheckpointError,
  MessageError,
  QuorumError,
  RemoteError,
  SkeinError,
  TimeoutError,
  UnreachableError,
} from "./errors.ts";
export type { CallInit } from "./node-host.ts";
export { CALL_TIMEOUT_MS_DEFAULT, NodeHost, PENDING_CALLS_MAX } from "./node-host.ts";
export type { AnyMessage, Handlers, Message, Protocol, Reply } from "./protocol.ts";
export type { LogEntry, LogLevel, Runtime } from "./runtime.ts";
export type { Service, ServiceFactory } from "./service.ts";
export { service } from "./service.ts";
export type { Storage } from "./storage.ts";
export { MemoryStorage } from "./storage.ts";
export type { PeriodicInit, Timer } from "./timer.ts";
export type { EnvelopeKindName, TraceEvent } from "./trace.ts";
export { ENVELOPE_KIND_NAMES } from "./trace.ts";
