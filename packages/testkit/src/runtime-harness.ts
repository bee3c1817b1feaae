import type { Context, ServiceFactory } from "@skein/core";

/**
 * What the runtime conformance suite needs from a runtime: add nodes, crash and restart them,
 * and let the system run until something holds. The simulator's harness runs virtual time (a
 * wait costs nothing); the net harness runs real nodes on loopback and polls on real time.
 */
export interface RuntimeHarness {
  /** The runtime's name, for test titles. */
  readonly name: string;
  /** True when time is real: the suite keeps its timeouts short and asserts no exact times. */
  readonly realTime: boolean;
  /** Adds a node with its services and starts it. */
  addNode(id: string, services: Record<string, ServiceFactory>): Promise<void>;
  /** The node's process dies: memory, timers and calls in flight are lost; storage stays. */
  crash(id: string): Promise<void>;
  /** Starts a crashed node again; its services recover from storage. */
  restart(id: string): Promise<void>;
  /** Runs until `condition` holds; rejects after `timeoutMs` (virtual or real) if it never does. */
  until(condition: () => boolean, timeoutMs: number, what: string): Promise<void>;
  /** Lets `durationMs` pass. */
  run(durationMs: number): Promise<void>;
  /** Stops every node and frees every resource. */
  close(): Promise<void>;
}

export type HarnessFactory = () => Promise<RuntimeHarness>;

/** A service that exposes its context, so a test can call from "inside" a node. */
export function probe(): { factory: ServiceFactory; ctx: () => Context } {
  let current: Context | undefined;
  return {
    factory: (ctx: Context) => {
      current = ctx;
      return { handlers: {} };
    },
    ctx: () => {
      if (!current) throw new Error("probe: the node has not started");
      return current;
    },
  };
}
