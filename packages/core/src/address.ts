import type { Protocol } from "./protocol.ts";

/** A node's name: unique in a cluster, stable across restarts (`"n1"`, `"coordinator"`). */
export type NodeId = string;

/** Where a service lives: a node and the service's name on that node. */
export interface Address {
  readonly node: NodeId;
  readonly service: string;
}

/**
 * An address that also carries the protocol the service speaks, so that `send` and `call`
 * check message types at compile time. The protocol exists only in the type system.
 */
export interface ServiceRef<P extends Protocol = Protocol> extends Address {
  readonly __protocol?: P;
}

/** Names a service of protocol `P` at `node`. */
export function ref<P extends Protocol>(node: NodeId, service: string): ServiceRef<P> {
  return { node, service };
}

/** `node/service`, the form addresses take in traces and logs. */
export function formatAddress(address: Address): string {
  return `${address.node}/${address.service}`;
}
