import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Scenario } from "@skein/sim";
import { UsageError } from "../command.ts";

/** Imports a scenario file; its default export must come from `defineScenario`. */
export async function loadScenario(file: string): Promise<Scenario> {
  const path = resolve(file);
  if (!existsSync(path)) throw new UsageError(`scenario file not found: ${file}`);
  if (statSync(path).isDirectory()) throw new UsageError(`${file}: is a directory, not a scenario file`);
  if (!/\.(ts|mts|js|mjs)$/.test(path)) throw new UsageError(`${file}: a scenario is a TypeScript or JavaScript module (.ts, .mts, .js or .mjs)`);
  let module: { default?: Scenario };
  try {
    module = (await import(pathToFileURL(path).href)) as { default?: Scenario };
  } catch (error) {
    // Node's loader refusing the file, or a syntax error (esbuild's TransformError names
    // file:line:column): the user's to fix, said without a stack. An error the scenario's own
    // code throws while loading keeps its stack.
    const { code, name, message } = error as NodeJS.ErrnoException;
    if (!code?.startsWith("ERR_") && name !== "TransformError") throw error;
    // tsx loads a .ts file outside an ES-module package through require(), which fails so
    const text =
      code === "ERR_REQUIRE_CYCLE_MODULE"
        ? `a .ts file outside an ES-module package; name it .mts, or put {"type": "module"} in a package.json beside it`
        : String(message)
            .split("\n")
            .filter((line) => line.trim() !== "" && !/^Transform failed with \d+ errors?:$/.test(line))
            .join("; ");
    throw new UsageError(`cannot load scenario ${file}: ${text}`);
  }
  const scenario = module.default;
  if (scenario?.kind !== "skein-scenario") {
    throw new UsageError(`${file}: the default export must be a scenario (export default defineScenario({ ... }))`);
  }
  return scenario;
}
