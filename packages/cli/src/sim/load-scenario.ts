import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Scenario } from "@skein/sim";
import { UsageError } from "../command.ts";

/** Imports a scenario file; its default export must come from `defineScenario`. */
export async function loadScenario(file: string): Promise<Scenario> {
  const path = resolve(file);
  if (!existsSync(path)) throw new UsageError(`scenario file not found: ${file}`);
  const module = (await import(pathToFileURL(path).href)) as { default?: Scenario };
  const scenario = module.default;
  if (scenario?.kind !== "skein-scenario") {
    throw new UsageError(`${file}: the default export must be a scenario (export default defineScenario({ ... }))`);
  }
  return scenario;
}
