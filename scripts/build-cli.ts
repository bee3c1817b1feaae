// Bundles the `skein` commands that never load user TypeScript (flow, worker, ftsh) into
// packages/cli/dist/standalone.mjs, so they start without compiling sources through tsx.
// Runs on `npm install` (the root `prepare` script); bin/skein.js uses the bundle only while
// it is newer than every source file, so an edited checkout always runs its sources.
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const root = new URL("..", import.meta.url).pathname;

/** Builds the bundle into `outdir` (default packages/cli/dist). */
export async function buildCli(outdir = join(root, "packages/cli/dist")): Promise<string> {
  mkdirSync(outdir, { recursive: true });
  const outfile = join(outdir, "standalone.mjs");
  await build({
    entryPoints: [join(root, "packages/cli/src/standalone.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["msgpackr", "tsx", "esbuild"],
    banner: { js: "import { createRequire as __skeinRequire } from 'node:module'; const require = __skeinRequire(import.meta.url);" },
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
