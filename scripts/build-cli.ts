// Bundles the `skein` commands that never load user TypeScript (flow, worker, ftsh) into
// packages/cli/dist/standalone.cjs, so they start without compiling sources through tsx.
// Runs on `npm install` (the root `prepare` script); bin/skein.cjs uses the bundle only while
// it is newer than every source file, so an edited checkout always runs its sources. It is
// CommonJS (import.meta.url becomes the bundle's own file URL): Node then starts without
// loading its ES module machinery, ~35 ms of CPU on every run.
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const root = new URL("..", import.meta.url).pathname;

/** Builds the bundle into `outdir` (default packages/cli/dist). */
export async function buildCli(outdir = join(root, "packages/cli/dist")): Promise<string> {
  mkdirSync(outdir, { recursive: true });
  const outfile = join(outdir, "standalone.cjs");
  rmSync(join(outdir, "standalone.mjs"), { force: true }); // the ES module bundle of earlier builds
  await build({
    entryPoints: [join(root, "packages/cli/src/standalone.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    external: ["msgpackr", "tsx", "esbuild"],
    define: { "import.meta.url": "__skeinModuleUrl" },
    banner: { js: "var __skeinModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
    logLevel: "warning",
  });
  // flow's launcher sources are read next to the module that uses them
  for (const file of ["launcher.c", "launcher.pl"]) copyFileSync(join(root, "packages/flow/src/executors", file), join(outdir, file));
  return outfile;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const outfile = await buildCli();
  console.log(`built ${outfile.slice(root.length)}`);
}
