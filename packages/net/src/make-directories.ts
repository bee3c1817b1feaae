/**
 * `mkdir -p` that always returns. Node 20's `mkdirSync(path, { recursive: true })` loops for
 * ever when mkdir answers ENOENT inside a directory that exists (anywhere under /proc), so a
 * mistyped `--workdir /proc/…` or `--record /proc/…` hung instead of failing. This finds the
 * deepest ancestor that exists and makes the rest with plain mkdir, one level at a time, so
 * every failure is an ordinary error with its code (ENOENT, EACCES, ENOTDIR, …).
 */
import { mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";

export function makeDirectories(path: string, mode?: number): void {
  const missing: string[] = [];
  for (let current = resolve(path); ; ) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(current).isDirectory();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      missing.push(current);
      const parent = dirname(current);
      if (parent === current) break;
      current = parent;
      continue;
    }
    if (!isDirectory) throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${current}'`), { code: "ENOTDIR", path: current });
    break;
  }
  for (const directory of missing.reverse()) {
    try {
      mkdirSync(directory, { mode });
    } catch (error) {
      // made meanwhile by someone else: fine if it is a directory
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || !statSync(directory).isDirectory()) throw error;
    }
  }
}
