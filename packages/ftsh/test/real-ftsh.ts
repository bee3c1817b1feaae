// skein-io-adapter: test helper — runs the real `skein ftsh` binary in a scratch directory.
import { type ChildProcess, spawn, type StdioOptions } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const repository = new URL("../../../", import.meta.url).pathname;
export const skeinBin = join(repository, "packages/cli/bin/skein.js");

/** A fresh scratch directory holding `files`; removed by `remove()`. */
export function scratchDirectory(name: string, files: Record<string, string>): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `skein-ftsh-${name}-`));
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts `skein ftsh args` in `cwd`. */
export function startFtsh(args: string[], cwd: string, stdio: StdioOptions = ["ignore", "pipe", "pipe"]): ChildProcess {
  return spawn(process.execPath, [skeinBin, "ftsh", ...args], { cwd, stdio });
}

/** Polls `check` every 20 ms until it is true or `timeoutMs` passes; returns whether it became true. */
export async function pollUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return check();
}

/** The number in file `path`, or undefined while it is missing or incomplete. */
export function readPid(path: string): number | undefined {
  try {
    const text = readFileSync(path, "utf8");
    return text.endsWith("\n") ? Number(text.trim()) : undefined;
  } catch {
    return undefined;
  }
}

/** True while process `pid` lives (a zombie, whose parent died and nobody reaps, counts as gone). */
export function processIsAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Waits for `child` to end; resolves with its exit code or signal. */
export function ended(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once("close", (code, signal) => resolve({ code, signal })));
}

/** Waits for `child` itself to exit (not for its pipes, which processes it left may still hold). */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}
