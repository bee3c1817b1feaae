#!/usr/bin/env node
// The `skein` command (started by bin/skein; bin/skein.js runs it too). Commands that never
// load user TypeScript (flow, worker, ftsh) run from the bundle `npm install` builds
// (dist/standalone.cjs) while it is newer than every source it was built from; everything else — and any
// edited checkout — runs the TypeScript sources through tsx, which is also how user scenario
// and service files load. SKEIN_CLI_FROM_SOURCE=1 forces the sources. This file and the
// bundle are CommonJS: Node starts ~35 ms sooner when no ES module has to be loaded first.
"use strict";

// bin/skein starts `flow` and `ftsh` with V8's --no-rehash-snapshot (see there), a flag that
// acts only while V8 builds this isolate from Node's snapshot. Any flag that differs from its
// default also changes V8's flag hash, and V8 refuses every code cache made under another hash:
// left set, it would make Node compile each built-in module loaded from here on (child_process,
// net, streams, …: ≈ 40 of them) from source, ≈ 15 ms more than the rehash it saved. So the
// default goes back first thing. process.binding("v8") is the one way to reach
// setFlagsFromString without node:v8, whose own dependencies (streams) would load under the
// wrong hash; its deprecation warning is silenced for that one call. Should it go away, node:v8
// does the same job for ≈ 6 ms more.
if (process.execArgv.includes("--no-rehash-snapshot")) {
  const noDeprecation = process.noDeprecation;
  try {
    process.noDeprecation = true;
    process.binding("v8").setFlagsFromString("--rehash-snapshot");
  } catch {
    require("node:v8").setFlagsFromString("--rehash-snapshot");
  } finally {
    process.noDeprecation = noDeprecation;
  }
}

const { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require("node:fs");
const { dirname, join } = require("node:path");

// bin/skein set NODE_EXTRA_CA_CERTS aside so this process starts without loading them (see
// there); everything this process starts gets it back.
if (process.env.SKEIN_NODE_EXTRA_CA_CERTS !== undefined) {
  process.env.NODE_EXTRA_CA_CERTS = process.env.SKEIN_NODE_EXTRA_CA_CERTS;
  delete process.env.SKEIN_NODE_EXTRA_CA_CERTS;
}

const STANDALONE_COMMANDS = new Set(["flow", "worker", "ftsh"]);
const bundle = join(__dirname, "../dist/standalone.cjs");
const bundleInputs = join(__dirname, "../dist/standalone.inputs.json");
const packages = join(__dirname, "../../");

/**
 * Whether the bundle is newer than every source it was built from (the list the build wrote
 * beside it: ≈ 90 files, one stat each); a missing list or source counts as changed.
 */
function bundleIsFresh() {
  try {
    const builtMs = statSync(bundle).mtimeMs;
    for (const input of JSON.parse(readFileSync(bundleInputs, "utf8"))) if (statSync(packages + input).mtimeMs > builtMs) return false;
    return true;
  } catch {
    return false;
  }
}

/**
 * Loads the bundle with V8's code cache for `command`: the compiled code of every function a
 * run of that command used, saved after the first run that had none (or had one V8 refused:
 * another Node, other flags, a rebuilt bundle). It spares a run compiling those functions
 * again, ≈ 20–30 ms of a 2 000-rule `skein flow`. The cache is a file per command and bundle
 * build in ~/.cache/skein/ (older ones, and partial ones, are removed when a new one is written); one that is
 * missing, unreadable or stale only costs the compilation it would have saved.
 */
function loadBundle(command) {
  const source = readFileSync(bundle, "utf8");
  const built = statSync(bundle);
  const directory = join(process.env.XDG_CACHE_HOME || join(require("node:os").homedir(), ".cache"), "skein");
  // V8 refuses a cache made under other V8 flags; every run gets here with the defaults (the
  // start-up flag is put back above)
  const prefix = `bundle-${command}-`;
  const file = join(directory, `${prefix}${process.version}-${process.arch}-${built.size}-${Math.floor(built.mtimeMs)}.v8cache`);
  let cachedData;
  try {
    cachedData = readFileSync(file);
  } catch {
    cachedData = undefined;
  }
  const { Script } = require("node:vm");
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundle, cachedData });
  const module = { exports: {} };
  // this file's require: the bundle requires only Node's modules (and packages beside it in
  // packages/cli); node:module's createRequire would load Node's ES module loader for nothing
  script.runInThisContext()(module.exports, require, module, bundle, dirname(bundle));
  const saveCache = () => {
    if (cachedData !== undefined && !script.cachedDataRejected) return;
    // V8 flags are part of a cache's identity: `skein flow` raised the optimisation budget
    // (src/optimisation-budget.ts); the cache must match the defaults the next run loads under.
    require("node:v8").setFlagsFromString(`--interrupt-budget=${66 * 1024}`);
    try {
      // two levels by hand: Node 20's recursive mkdir never returns for some paths (under /proc)
      for (const path of [dirname(directory), directory]) {
        try {
          mkdirSync(path, { mode: 0o700 });
        } catch (error) {
          if (error.code !== "EEXIST") throw error;
        }
      }
      // older caches of this command (also those named `bundle-<command>.fixed-seed-*` by
      // earlier versions), and files a writer killed mid-write left behind
      const older = (name) => name.startsWith(prefix) || name.startsWith(`bundle-${command}.`);
      for (const name of readdirSync(directory)) if (older(name) && (name.endsWith(".v8cache") || name.endsWith(".tmp"))) rmSync(join(directory, name), { force: true });
      const partial = `${file}.${process.pid}.tmp`;
      writeFileSync(partial, script.createCachedData());
      renameSync(partial, file);
    } catch {
      // a cache that cannot be written only costs the next run its compilation
    }
  };
  return { main: module.exports.main, saveCache };
}

async function run(argv) {
  if (STANDALONE_COMMANDS.has(argv[0]) && process.env.SKEIN_CLI_FROM_SOURCE !== "1" && bundleIsFresh()) {
    const { main, saveCache } = loadBundle(argv[0]);
    const code = await main(argv);
    saveCache();
    return code;
  }
  const { register } = await import("tsx/esm/api");
  register();
  const { main } = await import("../src/main.ts");
  return main(argv);
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);
