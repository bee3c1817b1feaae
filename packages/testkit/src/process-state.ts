// skein-io-adapter: test support: reads /proc to see whether a process still runs.
import { existsSync, readFileSync } from "node:fs";

/**
 * True while the process runs. A zombie has finished running: where PID 1 does not reap,
 * zombies linger, so a plain `kill(pid, 0)` would call them alive. Linux `/proc`; elsewhere
 * signal 0.
 */
export function processIsRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    if (existsSync("/proc/self/stat")) return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}
