/**
 * @skein/testkit — shared conformance suites: one behaviour, every implementation. The runtime
 * suite runs against the simulator and the TCP runtime; the storage suite against memory and
 * file storage. Dev-only: other packages use it in their tests.
 *
 * ```ts
 * import { runtimeConformance, simHarness } from "@skein/testkit";
 * runtimeConformance("sim", async () => simHarness(1));
 * ```
 */
export type { HarnessFactory, RuntimeHarness } from "./runtime-harness.ts";
export { probe } from "./runtime-harness.ts";
export { runtimeConformance } from "./runtime-conformance.ts";
export { simHarness } from "./sim-harness.ts";
export type { StorageHarness } from "./storage-conformance.ts";
export { storageConformance } from "./storage-conformance.ts";
