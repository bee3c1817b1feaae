import assert from "node:assert/strict";
import { test } from "node:test";
import { runFake } from "../../test/run-fake.ts";

test("redirect: an open that waits (a FIFO nobody writes) is cut by the try's deadline and by a stop", async () => {
  const run = await runFake("try for 2 seconds\n  cat < /tmp/fifo\ncatch\n  echo caught\nend\n", {
    setup: (host) => host.blockingOpens.add("/tmp/fifo"),
  });
  assert.equal(run.environment.now(), 2000);
  assert.equal(run.stdout, "caught\n");
  assert.match(run.stderr, /^t\.ftsh:2:7: opening \/tmp\/fifo was cancelled: the try's time limit passed\n/);
  assert.equal(run.host.openHandles, 0);
  assert.equal(run.host.runs.length, 0, "cat never started");

  const controller = new AbortController();
  const stopped = await runFake("echo hi > /tmp/fifo\n", {
    signal: controller.signal,
    setup: (host, environment) => {
      host.blockingOpens.add("/tmp/fifo");
      environment.sleep(1500).then(() => controller.abort(new Error("ftsh was stopped by SIGTERM")));
    },
  });
  assert.equal(stopped.exitCode, 1);
  assert.equal(stopped.environment.now(), 1500);
  assert.equal(stopped.stderr, "t.ftsh:1:9: opening /tmp/fifo was cancelled: ftsh was stopped by SIGTERM\n");
});

test("redirect: ->> appends to the value $name gives, an environment variable's included", async () => {
  const run = await runFake('echo more ->> PATH\necho "[$PATH]"\nnew=\necho first ->> fresh\necho "[$fresh]"\n');
  assert.equal(run.stderr, "");
  assert.equal(run.stdout, "[/binmore]\n[first]\n");
});
