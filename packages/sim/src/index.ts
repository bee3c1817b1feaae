/**
 * @skein/sim — the deterministic simulator: virtual time, one seed for everything, pluggable
 * topologies, fault injection and a nemesis, scenarios with invariants and liveness, and a
 * JSON Lines trace with a hash.
 *
 * ```ts
 * import { Simulation, runLoop } from "@skein/sim";
 * const sim = new Simulation({ seed: 42 });
 * sim.addNode("server", { echo: echoServer });
 * sim.addNode("client", { client });
 * await runLoop(sim, { untilMs: 1_000 });
 * console.log(sim.traceHash);
 * ```
 */
export { EVENT_QUEUE_EVENTS_MAX, EventQueue } from "./event-queue.ts";
export type { CrashInit } from "./faults.ts";
export { Faults } from "./faults.ts";
export type { FaultKind, NemesisDraw, NemesisInit } from "./nemesis.ts";
export { describeDraw, FAULT_KINDS, Nemesis } from "./nemesis.ts";
export type { LinkFaults } from "./network.ts";
export { NetworkState } from "./network.ts";
export { nextFloat, nextUint32, Random, Stream, seedStream } from "./random.ts";
export type { LoopStop, RunLoopInit, WatchdogInit } from "./run-loop.ts";
export { runLoop, STORM_EVENTS_MAX_DEFAULT } from "./run-loop.ts";
export type { ClusterSpec, Invariant, RunInit, RunResult, Scenario, ScenarioInit, ScenarioParams, Violation, ViolationKind } from "./scenario.ts";
export { defineScenario, runScenario, WALL_LIMIT_MS_DEFAULT } from "./scenario.ts";
export type { SimulationInit, SimulationStats } from "./simulation.ts";
export { Simulation } from "./simulation.ts";
export type { Topology } from "./topology.ts";
export { constant, longTail, perLink, regions, uniform, withBandwidth } from "./topology.ts";
export type { TraceSink } from "./trace-writer.ts";
export { TraceWriter } from "./trace-writer.ts";
