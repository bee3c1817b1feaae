#!/usr/bin/env node
// The `skein` command (started by bin/skein, or directly with node). Commands that never load user TypeScript (flow, worker, ftsh) run from
// the bundle `npm install` builds (dist/standalone.mjs) while it is newer than every source
// file; everything else — and any edited checkout — runs the TypeScript sources through tsx,
// which is also how user scenario and service files load. SKEIN_CLI_FROM_SOURCE=1 forces
// the sources.
import { readdirSync, statSync } from "node:fs";

// bin/skein set NODE_EXTRA_CA_CERTS aside so this process starts without loading them (see
// there); everything this process starts gets it back.
if (process.env.SKEIN_NODE_EXTRA_CA_CERTS !== undefined) {
  process.env.NODE_EXTRA_CA_CERTS = process.env.SKEIN_NODE_EXTRA_CA_CERTS;
  delete process.env.SKEIN_NODE_EXTRA_CA_CERTS;
}

const STANDALONE_COMMANDS = new Set(["flow", "worker", "ftsh"]);
const bundle = new URL("../dist/standalone.mjs", import.meta.url);
const packages = new URL("../../", import.meta.url).pathname;

/** Newest modification time of any file under `dir`, or 0. */
function newestMs(dir) {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = `${dir}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function bundleIsFresh() {
  let builtMs;
  try {
    builtMs = statSync(bundle).mtimeMs;
  } catch {
    return false;
  }
  for (const name of readdirSync(packages)) if (newestMs(`${packages}${name}/src`) > builtMs) return false;
  return true;
}

const argv = process.argv.slice(2);
if (STANDALONE_COMMANDS.has(argv[0]) && process.env.SKEIN_CLI_FROM_SOURCE !== "1" && bundleIsFresh()) {
  const { main } = await import(bundle.href);
  process.exitCode = await main(argv);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  const { main } = await import("../src/main.ts");
  process.exitCode = await main(argv);
}
