import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { LogFile, syncIntervalMs } from "./log-file.ts";
import { logHeader } from "./transaction-log.ts";

test("log file: batches written back to back share background syncs, at most one per interval; close() leaves every line", async () => {
  const clock = realClock();
  const root = mkdtempSync(join(tmpdir(), "skein-log-"));
  try {
    const log = new LogFile(join(root, "w.mf.skeinlog"), clock);
    const batches = 300;
    const startMs = clock.nowMs();
    for (let batch = 0; batch < batches; batch++) {
      log.append(`line ${batch}\n`);
      log.write();
      await new Promise<void>((resolve) => setImmediate(resolve)); // a turn of the event loop, as between the driver's batches
    }
    const elapsedMs = clock.nowMs() - startMs;
    await log.close();
    // without the interval, nearly every batch would start its own sync (fdatasync is quick here)
    assert.ok(log.syncs <= Math.ceil(elapsedMs / syncIntervalMs) + 1, `${log.syncs} syncs in ${elapsedMs.toFixed(0)} ms`);
    const lines = readFileSync(join(root, "w.mf.skeinlog"), "utf8").split("\n");
    assert.equal(lines[0], logHeader);
    assert.deepEqual(lines.slice(1, -1), Array.from({ length: batches }, (_, batch) => `line ${batch}`));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
