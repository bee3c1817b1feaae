/**
 * The commands that never load user TypeScript (workflows, workers, ftsh scripts). `npm
 * install` bundles this entry into `dist/standalone.cjs` (scripts/build-cli.ts), which starts
 * in a fraction of the time of loading every source through tsx — it matters for `skein flow`,
 * where start-up is part of every run. Commands that import user scenario or service files
 * (sim, run, replay, maelstrom) always run from source, so that user code and Skein share one
 * copy of each module (and `instanceof TimeoutError` holds).
 */
import { standaloneEntries } from "./commands/standalone-entries.ts";
import { runSkein } from "./dispatch.ts";

export function main(argv: string[]): Promise<number> {
  return runSkein(argv, standaloneEntries);
}
