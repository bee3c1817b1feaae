import type { CommandEntry } from "../command.ts";
import { standaloneEntries } from "./standalone-entries.ts";

/** Every `skein` subcommand, in the order `skein --help` lists them; each loads on use. */
export const commands: readonly CommandEntry[] = [
  { name: "sim", summary: "run a scenario in the deterministic simulator (one seed, a campaign, a determinism check)", load: async () => (await import("./sim.ts")).simCommand },
  { name: "run", summary: "run a scenario's nodes as real processes over TCP", load: async () => (await import("./run.ts")).runCommand },
  { name: "replay", summary: "replay a recorded real run deterministically and check for divergence", load: async () => (await import("./replay.ts")).replayCommand },
  { name: "maelstrom", summary: "run a service as a Maelstrom node (JSON over stdin/stdout)", load: async () => (await import("./maelstrom.ts")).maelstromCommand },
  ...standaloneEntries,
];
