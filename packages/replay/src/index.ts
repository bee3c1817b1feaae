/**
 * @skein/replay — WiDS-Replay for Skein: re-executes one node's code against what a real run
 * recorded (`skein run --record`), deterministically, checks that it sends exactly what it sent
 * for real, and writes the simulator's trace format for the dashboard.
 *
 * ```ts
 * import { readRecording } from "@skein/net";
 * import { replayIncarnation } from "@skein/replay";
 * const recording = readRecording("runs/2pc");
 * for (const incarnation of recording.incarnations) {
 *   const result = await replayIncarnation(incarnation, { services: cluster[incarnation.node] });
 *   console.log(incarnation.node, "divergences:", result.divergences.length);
 * }
 * ```
 */
export { checkpointIndex, countCheckpoints } from "./checkpoints.ts";
export type { Divergence } from "./divergence.ts";
export { describeRecord } from "./divergence.ts";
export type { ReplayInit, ReplayResult } from "./replay-node.ts";
export { replayIncarnation } from "./replay-node.ts";
export { ReplayRuntime } from "./replay-runtime.ts";
