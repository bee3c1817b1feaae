import type { CommandEntry } from "../command.ts";

/** The commands that never load user TypeScript: bundled by `npm install` (see standalone.ts). */
export const standaloneEntries: readonly CommandEntry[] = [
  { name: "flow", summary: "run a Makeflow workflow locally, on workers, or on Slurm", load: async () => (await import("./flow.ts")).flowCommand },
  { name: "worker", summary: "run tasks for a 'skein flow -T workers' master", load: async () => (await import("./worker.ts")).workerCommand },
  { name: "ftsh", summary: "run a Fault Tolerant Shell script (try, forany, forall)", load: async () => (await import("./ftsh.ts")).ftshCommand },
];
