/**
 * The commands that never load user TypeScript (workflows, workers, ftsh scripts). `npm
 * install` bundles this entry into `dist/standalone.mjs` (scripts/build-cli.ts), which starts
 * in a fraction of the time of loading every source through tsx — it matters for `skein flow`,
 * where start-up is part of every run. Commands that import user scenario or service files
 * (sim, run, replay, maelstrom) always run from source, so that user code and Skein share one
 * copy of each module (and `instanceof TimeoutError` holds).
 */
import type { Command } from "./command.ts";
import { flowCommand } from "./commands/flow.ts";
import { ftshCommand } from "./commands/ftsh.ts";
import { workerCommand } from "./commands/worker.ts";
import { runSkein } from "./dispatch.ts";

export const standaloneCommands: readonly Command[] = [flowCommand, workerCommand, ftshCommand];

export function main(argv: string[]): Promise<number> {
  return runSkein(argv, standaloneCommands);
}
