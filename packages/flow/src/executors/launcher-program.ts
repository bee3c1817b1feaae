// skein-io-adapter: finds (and on first use builds) the launcher program.
/**
 * Which launcher runs commands: the C launcher (clone(CLONE_VFORK), built once per machine with the
 * system compiler into `~/.cache/skein/`, keyed by its source's hash), else the Perl launcher
 * (perl-base is on every Debian system), else none — then Node spawns each command itself.
 * `SKEIN_FLOW_LAUNCHER=c|perl|node` forces a choice (tests run every path).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeDirectories } from "@skein/net/fs";
import { fnv1a32 } from "../fnv.ts";

export interface LauncherProgram {
  readonly kind: "c" | "perl";
  readonly command: string;
  readonly args: readonly string[];
}

/** The C launcher's sources (the .c files are compiled together; the header is in the key too). */
export const launcherCSources = ["launcher.c", "launcher-process.c", "launcher.h"] as const;
/** A launcher source beside this module (or beside the bundle, which the build copies them to). */
const sourcePath = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));
const cSource = sourcePath("launcher.c");
const perlScript = fileURLToPath(new URL("./launcher.pl", import.meta.url));
let chosen: LauncherProgram | undefined | null = null;

/**
 * 64 bits naming one launcher source: two FNV-1a hashes (different offset bases). It spares
 * every `skein flow` loading node:crypto, a few milliseconds of start-up. `text` is the
 * sources' texts in `launcherCSources` order, each followed by a NUL (`launcherSourcesText`).
 */
export function launcherSourceKey(text: string): string {
  return fnv1a32(text) + fnv1a32(text, 0x050c5d1f);
}

/** What the key covers: each of `launcherCSources` read from `read`, each followed by a NUL. */
export function launcherSourcesText(read: (name: string) => string): string {
  return launcherCSources.map((name) => `${read(name)}\0`).join("");
}

/**
 * The key of the C launcher's sources: the bundle's build writes it beside its copies
 * (`launcher.c.key`), since hashing 25 KB in not yet compiled JavaScript costs ≈ 2 ms of every
 * start; the sources have none.
 */
function cSourceKey(): string {
  try {
    return readFileSync(`${cSource}.key`, "latin1").trim();
  } catch {
    return launcherSourceKey(launcherSourcesText((name) => readFileSync(sourcePath(name), "latin1")));
  }
}

/** Where the C launcher of this source is cached (`$XDG_CACHE_HOME/skein`, else `~/.cache/skein`). */
function cLauncherPath(): { directory: string; binary: string } {
  const key = `${cSourceKey()}-${process.platform}-${process.arch}`;
  const directory = join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "skein");
  return { directory, binary: join(directory, `flow-launcher-${key}`) };
}

/** The compiled C launcher, building it if needed; undefined when no compiler can. */
function cLauncher(): LauncherProgram | undefined {
  const { directory, binary } = cLauncherPath();
  if (existsSync(binary)) return { kind: "c", command: binary, args: [] };
  try {
    makeDirectories(directory, 0o700);
  } catch {
    return undefined;
  }
  const building = `${binary}.${process.pid}.tmp`;
  const compiler = process.env.CC ?? "cc";
  const built = spawnSync(compiler, ["-O2", "-o", building, ...launcherCSources.filter((name) => name.endsWith(".c")).map(sourcePath)], { stdio: "ignore", timeout: 60_000 });
  if (built.status !== 0 || !existsSync(building)) {
    rmSync(building, { force: true });
    return undefined;
  }
  renameSync(building, binary);
  pruneLaunchers(directory, binary);
  return { kind: "c", command: binary, args: [] };
}

/** Launchers of other sources unused (not rebuilt) this long are removed when one is built. */
export const launcherUnusedMaxMs = 30 * 24 * 3600 * 1000;
/** A partial build (`<binary>.<pid>.tmp`) this old was left by a killed build. */
const partialBuildMaxMs = 3600 * 1000;

/**
 * Every launcher source built once leaves its binary in the cache: when a new one is built,
 * those of other sources older than `launcherUnusedMaxMs`, and partial builds older than an
 * hour, are removed. A removed launcher still in use by an older checkout is only built again.
 */
function pruneLaunchers(directory: string, kept: string): void {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return;
  }
  let builtMs: number;
  try {
    builtMs = statSync(kept).mtimeMs; // the file system's "now": no clock needed
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(directory, name);
    if (!name.startsWith("flow-launcher-") || path === kept) continue;
    try {
      const age = builtMs - statSync(path).mtimeMs;
      if (age > (name.endsWith(".tmp") ? partialBuildMaxMs : launcherUnusedMaxMs)) rmSync(path, { force: true });
    } catch {
      // removed by another build meanwhile
    }
  }
}

function perlLauncher(): LauncherProgram | undefined {
  const found = spawnSync("perl", ["-e", "exit 0"], { stdio: "ignore" }).status === 0;
  return found ? { kind: "perl", command: "perl", args: [perlScript] } : undefined;
}

export type LauncherKind = "c" | "perl" | "node";

/** The C launcher was rebuilt in this process after a broken one: it is not rebuilt twice. */
let rebuilt = false;

/**
 * The launcher to use instead of `broken`, which died before its greeting (process-launcher.ts):
 * a broken cached C launcher (a truncated file, a binary that exits at once) is removed and
 * rebuilt, once per process; else the Perl launcher; else undefined (Node's spawn). Later
 * launchers of this process use the replacement.
 */
export function replaceLauncher(broken: LauncherProgram): LauncherProgram | undefined {
  let next: LauncherProgram | undefined;
  if (broken.kind === "c") {
    const cached = cLauncherPath();
    if (broken.command === cached.binary) rmSync(cached.binary, { force: true }); // the next run would start it again
    if (!rebuilt && broken.command === cached.binary) {
      rebuilt = true;
      next = cLauncher();
    }
    next ??= perlLauncher();
  }
  if (chosen?.command === broken.command) chosen = next;
  return next;
}

/** The launcher to use, decided once per process; undefined: spawn from Node. */
export function launcherProgram(kind?: LauncherKind): LauncherProgram | undefined {
  if (kind === "c") return cLauncher();
  if (kind === "perl") return perlLauncher();
  if (kind === "node") return undefined;
  if (chosen !== null) return chosen;
  const forced = process.env.SKEIN_FLOW_LAUNCHER;
  chosen = forced === "c" || forced === "perl" || forced === "node" ? launcherProgram(forced) : (cLauncher() ?? perlLauncher());
  return chosen;
}
