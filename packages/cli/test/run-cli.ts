import { spawnSync } from "node:child_process";

const bin = new URL("../bin/skein.js", import.meta.url).pathname;
export const repoRoot = new URL("../../../", import.meta.url).pathname;

/** Runs the `skein` command from the repository root; returns exit code and output. */
export function skein(args: string[], timeoutMs = 120_000): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: repoRoot, encoding: "utf8", timeout: timeoutMs });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
