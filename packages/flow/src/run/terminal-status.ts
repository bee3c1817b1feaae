/**
 * The progress bar on this process's terminal: a StatusLine on standard error, wired to the
 * terminal's size and to job control (a resize, Ctrl-Z, `fg`, an exit with the bar up).
 */
import { StatusLine } from "./status-line.ts";
import type { Output } from "./run-options.ts";

/** How often a terminal's progress bar is redrawn. */
export const progressIntervalMs = 200;
/** On a terminal without a size, the status comes as a whole line this often (see StatusLine). */
const plainStatusEveryMs = 10_000;

/**
 * The progress bar's line on standard error, on the terminal's bottom row (see StatusLine),
 * redrawn when the terminal is resized; if this process stops (Ctrl-Z) or exits with the bar
 * still up (an uncaught error), the terminal gets its whole screen back first.
 */
export function terminalStatus(output: Output): { line: StatusLine; close(): void } {
  const line = new StatusLine({ write: (text) => output.err(text), get rows() { return process.stderr.rows; } }, { plainEvery: plainStatusEveryMs / progressIntervalMs });
  const resized = () => line.resized();
  const exiting = () => line.finish();
  // Ctrl-Z: the terminal gets its whole screen back before this process stops (a handler
  // replaces the default stop, so it stops itself); continued, the bar takes the bottom row again
  const suspend = () => {
    line.suspend();
    process.kill(process.pid, "SIGSTOP");
  };
  const resumed = () => line.resumed();
  process.stderr.on("resize", resized);
  process.on("exit", exiting);
  process.on("SIGTSTP", suspend);
  process.on("SIGCONT", resumed);
  return {
    line,
    close() {
      process.stderr.removeListener("resize", resized);
      process.removeListener("exit", exiting);
      process.removeListener("SIGTSTP", suspend);
      process.removeListener("SIGCONT", resumed);
    },
  };
}
