import assert from "node:assert/strict";
import { test } from "node:test";
import { realClock } from "@skein/net";
import type { Executor, TaskRequest } from "../executors/executor.ts";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { plan } from "../plan/plan.ts";
import { Scheduler } from "../schedule/scheduler.ts";
import { Driver } from "./driver.ts";

test("driver: when the log cannot record a batch, none of its tasks starts, what runs is aborted, and the run stops with the reason", async () => {
  const planned = plan(parseMakeflow("a:\n\tx\nb: a\n\tx\nc: a\n\tx\nd:\n\tx\n", { file: "w.mf" }), { exists: () => true });
  const scheduler = new Scheduler(planned, {}, { random: () => 0.5, isDone: () => false });
  let commits = 0;
  const started: string[] = [];
  const aborted: number[] = [];
  const driver = new Driver(scheduler, planned.workflow, {
    state: () => {},
    // the first batch (a and d start) is recorded; the next (a done, b and c start) is not
    commit: () => (++commits === 1 ? undefined : "cannot write the transaction log w.mf.skeinlog: ENOSPC: no space left on device"),
  }, realClock());
  const executor: Executor = {
    info: { id: "local", capacity: { cores: 4, memoryMb: 1_000, diskMb: 1_000, gpus: 0 }, runsLocalRules: true, runsRemoteRules: true, fastAbort: false },
    start: (request: TaskRequest) => {
      started.push(request.rule.targets[0]!.path);
      // a ends at once; d keeps running until aborted
      if (request.rule.targets[0]!.path === "a") queueMicrotask(() => driver.finished(request.task, { ok: true }));
    },
    abort: (task) => aborted.push(task),
    close: async () => {},
  };
  driver.joined(executor);
  const result = await driver.start();
  assert.deepEqual(started.sort(), ["a", "d"], "b and c, whose 'running' lines were not recorded, never started");
  assert.equal(aborted.length >= 1, true, "d, still running, was aborted");
  assert.equal(result.ok, false);
  assert.match(result.reason ?? "", /cannot write the transaction log w\.mf\.skeinlog: ENOSPC/);
});
