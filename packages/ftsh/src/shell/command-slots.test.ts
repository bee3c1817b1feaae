import assert from "node:assert/strict";
import { test } from "node:test";
import type { FakeEnvironment } from "../../test/fake-environment.ts";
import type { FakeHost } from "../../test/fake-host.ts";
import { runFake } from "../../test/run-fake.ts";
import { runningCommandsMaxDefault } from "../language/limits.ts";

/** Registers `work`: sleeps a second on the fake clock, counting how many run at once. */
function countingWork(counter: { now: number; most: number }, durationMs = 1000) {
  return (host: FakeHost, environment: FakeEnvironment) =>
    host.programs.set("work", async ({ signal }) => {
      counter.now++;
      counter.most = Math.max(counter.most, counter.now);
      try {
        await environment.sleep(durationMs, signal);
      } finally {
        counter.now--;
      }
      return 0;
    });
}

const nested = "forall a in 1 .to. 10\n  forall b in 1 .to. 10\n    work\n  end\nend\necho done\n";

test("jobs: nested foralls run at most runningCommandsMax programs at once; the others wait their turn", async () => {
  const counter = { now: 0, most: 0 };
  const run = await runFake(nested, { setup: countingWork(counter), options: { runningCommandsMax: 7 } });
  assert.equal(run.exitCode, 0, run.stderr);
  assert.equal(run.stdout, "done\n");
  assert.equal(counter.most, 7);
  assert.equal(run.environment.now(), Math.ceil(100 / 7) * 1000);
  assert.equal(run.host.runs.length, 100);
});

test("jobs: the default bound applies without the option", async () => {
  const counter = { now: 0, most: 0 };
  const wide = `forall a in 1 .to. 20\n  forall b in 1 .to. 20\n    work\n  end\nend\n`;
  const run = await runFake(wide, { setup: countingWork(counter) });
  assert.equal(run.exitCode, 0, run.stderr);
  assert.equal(counter.most, runningCommandsMaxDefault);
});

test("jobs: waiting for a slot counts against the try's deadline, and a cancelled waiter gives its place up", async () => {
  const counter = { now: 0, most: 0 };
  const script = "forall a in 1 2\n  try for 2 seconds\n    work\n    work\n  catch\n    echo late $a\n  end\nend\necho done\n";
  // one slot, 1.5 s programs: branch 1 runs 0-1.5 s, branch 2 from 1.5 s; at 2 s both tries give up,
  // branch 2 in its program and branch 1 waiting for the slot
  const run = await runFake(script, { setup: countingWork(counter, 1500), options: { runningCommandsMax: 1 } });
  assert.equal(run.exitCode, 0, run.stderr);
  assert.equal(run.environment.now(), 2000);
  assert.equal(counter.most, 1);
  assert.deepEqual(run.stdout.split("\n").sort(), ["", "done", "late 1", "late 2"]);
  assert.equal(run.host.runs.length, 2);
});
