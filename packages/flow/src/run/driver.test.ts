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

test("driver: a task placed on an executor that leaves within the same batch is not started there (it crashed the master) and runs on another", async () => {
  const planned = plan(parseMakeflow("a:\n\tx\n", { file: "w.mf" }), { exists: () => true });
  const scheduler = new Scheduler(planned, { executorsMayJoin: true }, { random: () => 0.5, isDone: () => false });
  const driver = new Driver(scheduler, planned.workflow, { state: () => {} }, realClock());
  const ranOn: string[] = [];
  const executor = (id: string): Executor => ({
    info: { id, capacity: { cores: 1, memoryMb: 1_000, diskMb: 1_000, gpus: 0 }, runsLocalRules: true, runsRemoteRules: true, fastAbort: false },
    start: (request: TaskRequest) => {
      ranOn.push(id);
      queueMicrotask(() => driver.finished(request.task, { ok: true }));
    },
    abort: () => {},
    close: async () => {},
  });
  const running = driver.start();
  // w1 joins and leaves in one batch (one read from its socket): a is placed on it in between
  driver.batch(() => {
    driver.joined(executor("w1"));
    driver.left("w1", "protocol error");
  });
  driver.joined(executor("w2"));
  const result = await running;
  assert.equal(result.ok, true, result.reason);
  assert.deepEqual(ranOn, ["w2"]);
});
