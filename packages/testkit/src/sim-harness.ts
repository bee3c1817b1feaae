import type { ServiceFactory } from "@skein/core";
import { runLoop, Simulation } from "@skein/sim";
import type { RuntimeHarness } from "./runtime-harness.ts";

/** The conformance harness for the simulator: one Simulation, virtual time. */
export function simHarness(seed = 1): RuntimeHarness {
  const sim = new Simulation({ seed });
  return {
    name: "sim",
    realTime: false,
    async addNode(id: string, services: Record<string, ServiceFactory>) {
      sim.addNode(id, services);
      await runLoop(sim, { untilMs: sim.timeMs });
    },
    async crash(id: string) {
      sim.faults.crash(id);
    },
    async restart(id: string) {
      sim.faults.restart(id);
      await runLoop(sim, { untilMs: sim.timeMs });
    },
    async until(condition: () => boolean, timeoutMs: number, what: string) {
      const stop = await runLoop(sim, { untilMs: sim.timeMs + timeoutMs, stopWhen: condition });
      if (stop.reason !== "condition") throw new Error(`sim: ${what} did not happen within ${timeoutMs} ms (${stop.reason} at t=${sim.timeMs})`);
    },
    async run(durationMs: number) {
      await runLoop(sim, { untilMs: sim.timeMs + durationMs });
    },
    async close() {},
  };
}
