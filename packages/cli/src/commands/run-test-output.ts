// Test support for the `skein run` tests (imported only by *.test.ts): the lines a child
// process prints, and a bounded wait for one of them.
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

/** Bound on every wait for output: generous, since several processes start on two cores. */
export const WAIT_MS = 60_000;

export class Output {
  readonly lines: string[] = [];
  private waiters: Array<() => void> = [];
  private aborted: string | undefined;
  /** Collects the lines of `child` (more processes can be added with `attach`). */
  constructor(child?: ChildProcess, prefix = "") {
    if (child) this.attach(child, prefix);
  }

  /** Adds the lines of another process, each prefixed with `prefix`. */
  attach(child: ChildProcess, prefix = ""): void {
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on("line", (line) => {
        this.lines.push(prefix + line);
        for (const wake of this.waiters.splice(0)) wake();
      });
    }
  }
  /** Makes every wait fail at once (say, a process the test needs has exited). */
  abort(reason: string): void {
    this.aborted ??= reason;
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Waits for a line matching `pattern` at or after index `from`; returns its index. */
  async waitFor(pattern: RegExp, from = 0): Promise<number> {
    const deadline = performance.now() + WAIT_MS;
    for (;;) {
      const index = this.lines.findIndex((line, i) => i >= from && pattern.test(line));
      if (index >= 0) return index;
      if (this.aborted) throw new Error(`${this.aborted} before a line matched ${pattern}:\n${this.lines.join("\n")}`);
      if (performance.now() > deadline) throw new Error(`no line matching ${pattern} within ${WAIT_MS} ms:\n${this.lines.join("\n")}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 1_000);
      });
    }
  }
}
