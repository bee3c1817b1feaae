import assert from "node:assert/strict";
import { test } from "node:test";
import { FakeEnvironment } from "../../test/fake-environment.ts";
import { type GroupSystem, terminateGroup } from "./process-group.ts";

/** Groups that die `lifeMs` after their SIGTERM; counts scans of the (fake) process table. */
function fakeSystem(environment: FakeEnvironment, lifeMs: number) {
  const termAtMs = new Map<number, number>();
  const alive = (pgid: number): boolean => {
    const at = termAtMs.get(pgid);
    return at === undefined || environment.now() < at + lifeMs;
  };
  const counts = { scans: 0, signals: 0 };
  const system: GroupSystem = {
    signal(pgid, signal) {
      counts.signals++;
      if (signal === "SIGTERM" && !termAtMs.has(pgid)) termAtMs.set(pgid, environment.now());
      return alive(pgid);
    },
    scanLiveGroups() {
      counts.scans++;
      return new Set([...Array(1000).keys()].filter(alive));
    },
  };
  return { system, counts };
}

test("process groups: terminating hundreds at once scans the process table once per poll, not once per group", async () => {
  const environment = new FakeEnvironment();
  const { system, counts } = fakeSystem(environment, 100);
  const groups = [...Array(500).keys()].map((i) => i + 100);
  const results = await environment.run(Promise.all(groups.map((pgid) => terminateGroup(pgid, 30_000, environment, undefined, system))));
  assert.ok(results.every((result) => result === "SIGTERM"));
  // 100 ms of life, polled every 20 ms: a handful of scans for all 500 groups (it was ~3000)
  assert.ok(counts.scans <= 10, `${counts.scans} scans`);
});

test("process groups: a group that ignores SIGTERM is killed after the grace period", async () => {
  const environment = new FakeEnvironment();
  const { system } = fakeSystem(environment, 60_000);
  let killed = false;
  const withKill: GroupSystem = {
    signal: (pgid, signal) => {
      if (signal === "SIGKILL") killed = true;
      return killed ? false : system.signal(pgid, signal);
    },
    scanLiveGroups: () => (killed ? new Set() : system.scanLiveGroups()),
  };
  const result = await environment.run(terminateGroup(7, 1000, environment, undefined, withKill));
  assert.equal(result, "SIGKILL");
  assert.ok(environment.now() >= 1000);
});
