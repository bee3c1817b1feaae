// skein-io-adapter: writes to standard output and standard error, and hears their readers go away.
/** Where a run's reports go by default: standard output and standard error, watched for write errors (EPIPE, ENOSPC). */
import type { Output } from "./run-options.ts";

/** Runs waiting to hear that standard output's or standard error's reader went away. */
const closedListeners = new Set<(reason: string) => void>();
const gone = { stdout: false, stderr: false };
let watching = false;

/**
 * A stream's reader went away (EPIPE), or it cannot be written (a file on a full disk, ENOSPC;
 * it crashed the run, its commands left running and its lock behind): later text for it is
 * dropped and every run is told.
 */
function watchClosing(name: "stdout" | "stderr"): void {
  process[name].on("error", (error: NodeJS.ErrnoException) => {
    if (gone[name]) return;
    gone[name] = true;
    const stream = name === "stdout" ? "output" : "error";
    const reason = error.code === "EPIPE" ? `standard ${stream} was closed (EPIPE)` : `standard ${stream} could not be written (${error.code ?? error.message})`;
    for (const listener of closedListeners) listener(reason);
  });
}

export const standardOutput: Output = {
  out: (text) => {
    if (!gone.stdout) process.stdout.write(text);
  },
  err: (text) => {
    if (!gone.stderr) process.stderr.write(text);
  },
  onOutClosed(closed) {
    if (!watching) {
      watching = true;
      watchClosing("stdout");
      watchClosing("stderr");
    }
    closedListeners.add(closed);
    return () => closedListeners.delete(closed);
  },
};
