/**
 * @skein/testkit — shared conformance suites: one behaviour, every implementation. The runtime
 * suite runs against the simulator and the TCP runtime; the storage suite against memory and
 * file storage; the executor suite against flow's local, worker and Slurm back ends. Dev-only:
 * other packages use it in their tests.
 *
 * ```ts
 * import { runtimeConformance, simHarness } from "@skein/testkit";
 * runtimeConformance("sim", async () => simHarness(1));
 * ```
 */
export { executorConformance } from "./executor-conformance.ts";
export type { ExecutorCase, ExecutorHarness, ExecutorUnderTest, TaskReport, TaskSpec } from "./executor-harness.ts";
export { conformanceCores } from "./executor-harness.ts";
export type { HarnessFactory, RuntimeHarness } from "./runtime-harness.ts";
export { processIsRunning } from "./process-state.ts";
export { probe } from "./runtime-harness.ts";
export { runtimeConformance } from "./runtime-conformance.ts";
export { simHarness } from "./sim-harness.ts";
export type { StorageHarness } from "./storage-conformance.ts";
export { storageConformance } from "./storage-conformance.ts";
export { waitFor } from "./wait-for.ts";
