// Bundles the `skein` commands that never load user TypeScript (flow, worker, ftsh) into
// packages/cli/dist/standalone.cjs, so they start without compiling sources through tsx.
// Runs on `npm install` (the root `prepare` script); bin/skein.cjs uses the bundle only while
// it is newer than every source file, so an edited checkout always runs its sources. It is
// CommonJS (import.meta.url becomes the bundle's own file URL): Node then starts without
// loading its ES module machinery, ~35 ms of CPU on every run.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { build } from "esbuild";
import { launcherCSources, launcherSourceKey, launcherSourcesText } from "@skein/flow";

const root = new URL("..", import.meta.url).pathname;
/** flow's launchers, copied beside the bundle (flow reads them next to the module that uses them). */
const launcherSources = [...launcherCSources, "launcher.pl"];

/** Builds the bundle into `outdir` (default packages/cli/dist). */
export async function buildCli(outdir = join(root, "packages/cli/dist")): Promise<string> {
  mkdirSync(outdir, { recursive: true });
  const outfile = join(outdir, "standalone.cjs");
  rmSync(join(outdir, "standalone.mjs"), { force: true }); // the ES module bundle of earlier builds
  const result = await build({
    entryPoints: [join(root, "packages/cli/src/standalone.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    external: ["msgpackr-extract", "tsx", "esbuild"],
    define: { "import.meta.url": "__skeinModuleUrl" },
    banner: { js: "var __skeinModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
    logLevel: "warning",
    metafile: true,
  });
  // The sources it was built from, for bin/skein.cjs to tell whether one changed since (a new
  // file changes the one that imports it; a source that is not an input cannot matter).
  const packages = join(root, "packages");
  const inputs = Object.keys(result.metafile.inputs)
    .map((input) => relative(packages, resolve(root, input)))
    .filter((input) => !input.startsWith("..") && !input.includes("node_modules"))
    .concat(launcherSources.map((file) => `flow/src/executors/${file}`))
    .sort();
  writeFileSync(join(outdir, "standalone.inputs.json"), `${JSON.stringify(inputs)}\n`);
  for (const file of launcherSources) copyFileSync(join(root, "packages/flow/src/executors", file), join(outdir, file));
  writeFileSync(join(outdir, "launcher.c.key"), `${launcherSourceKey(launcherSourcesText((name) => readFileSync(join(outdir, name), "latin1")))}\n`);
  return outfile;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const outfile = await buildCli();
  console.log(`built ${outfile.slice(root.length)}`);
}
