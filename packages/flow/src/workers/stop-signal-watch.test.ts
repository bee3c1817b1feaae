import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";

const watch = new URL("./stop-signal-watch.ts", import.meta.url).pathname;

/** Runs `body` in a fresh Node process with `watchStopSignals` in scope; its exit and output. */
function child(body: string): { status: number | null; signal: NodeJS.Signals | null; stdout: string } {
  const code = `import { watchStopSignals } from ${JSON.stringify(watch)};\n${body}`;
  const result = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { encoding: "utf8", timeout: 30_000 });
  return { status: result.status, signal: result.signal, stdout: result.stdout };
}

test("stop signals: the watch notes the first stop signal the run's own handler takes, and never keeps the process alive by itself", () => {
  // beside a handler (the run's), it notes the signal and the process lives on
  const handled = child(`
    const watch = watchStopSignals();
    const alive = setTimeout(() => {}, 10_000);
    process.once("SIGINT", () => process.kill(process.pid, "SIGTERM"));
    process.once("SIGTERM", () => {
      console.log(watch.signal);
      watch.close();
      clearTimeout(alive);
    });
    process.kill(process.pid, "SIGINT");
  `);
  assert.deepEqual(handled, { status: 0, signal: null, stdout: "SIGINT\n" });
  // alone, it lets the signal do what it does without a handler: end the process
  const alone = child(`
    watchStopSignals();
    process.kill(process.pid, "SIGHUP");
    setTimeout(() => console.log("still alive"), 2_000);
  `);
  assert.deepEqual(alone, { status: null, signal: "SIGHUP", stdout: "" });
});
