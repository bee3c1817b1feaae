import assert from "node:assert/strict";
import { test } from "node:test";
import { FakeEnvironment } from "../../test/fake-environment.ts";
import { FakeHost } from "../../test/fake-host.ts";
import { runFake } from "../../test/run-fake.ts";
import { realEnvironment } from "@skein/net";
import { runScript } from "./run-script.ts";

/** A program that fails its first `failures` runs, then succeeds. */
function flaky(failures: number) {
  let runs = 0;
  return async (): Promise<number> => (runs++ < failures ? 1 : 0);
}

test("try: retries with exponential backoff until the block succeeds", async () => {
  const run = await runFake("try 10 times\n  flaky\nend\necho done\n", {
    setup: (host) => host.programs.set("flaky", flaky(4)),
  });
  assert.equal(run.exitCode, 0);
  assert.equal(run.stdout, "done\n");
  const delays = run.records.filter((r) => r.event === "try-delay").map((r) => r.delayMs as number);
  assert.equal(delays.length, 4);
  delays.forEach((delayMs, n) => {
    assert.ok(delayMs >= 1000 * 2 ** n && delayMs <= 2000 * 2 ** n, `delay ${n} = ${delayMs}`);
  });
  const attempts = run.records.filter((r) => r.event === "try-attempt").map((r) => r.attempt);
  assert.deepEqual(attempts, [0, 1, 2, 3, 4]);
  assert.equal(run.records.filter((r) => r.event === "try-success").length, 1);
});

test("try: the backoff parameters come from the shell options", async () => {
  const run = await runFake("try 6 times\n  false\nend\n", {
    options: { backoff: { initialMs: 10, factor: 3, maxMs: 500 } },
    random: () => 0.5,
  });
  const delays = run.records.filter((r) => r.event === "try-delay").map((r) => r.delayMs);
  assert.deepEqual(delays, [15, 45, 135, 405, 500]);
  assert.equal(run.exitCode, 1);
  assert.match(run.stderr, /t\.ftsh:1:1: try failed: all 6 attempt\(s\) failed/);
});

test("try: a time limit cancels the running attempt at the deadline, then catch runs", async () => {
  let stoppedAtMs = -1;
  const run = await runFake("try for 2 seconds\n  hang\ncatch\n  echo caught\nend\necho after\n", {
    setup: (host, environment) =>
      host.programs.set("hang", async ({ signal }) => {
        try {
          await environment.sleep(100_000, signal);
        } finally {
          stoppedAtMs = environment.now();
        }
        return 0;
      }),
  });
  assert.equal(stoppedAtMs, 2000);
  assert.equal(run.stdout, "caught\nafter\n");
  assert.equal(run.exitCode, 0);
  assert.match(run.stderr, /t\.ftsh:2:3: hang was cancelled \(process group killed with SIGTERM\): the try's time limit passed/);
  assert.match(run.stderr, /t\.ftsh:1:1: try failed: gave up after 2000 ms and 1 attempt\(s\); the running attempt was cancelled/);
  const giveUp = run.records.find((r) => r.event === "try-give-up");
  assert.equal(giveUp?.reason, "time");
});

test("try: an outer deadline cancels an inner try, which does not run its catch", async () => {
  const run = await runFake(
    "try for 5 seconds\n  try 100 times every 1 second\n    false\n  catch\n    echo inner-catch\n  end\ncatch\n  echo outer-catch\nend\n",
  );
  assert.equal(run.stdout, "outer-catch\n");
  const attempts = run.records.filter((r) => r.event === "try-attempt" && r.line === 2).length;
  assert.equal(attempts, 5, "inner attempts at 0, 1, 2, 3, 4 s; the outer deadline at 5 s stops the sleep");
  assert.equal(run.environment.now(), 5000);
});

test("try: every keeps a fixed period; 'try for N times or M seconds' stops at whichever comes first", async () => {
  const run = await runFake("try for 3 times or 1 hour every 30 seconds\n  false\nend\n");
  const starts = run.records.filter((r) => r.event === "try-attempt").map((r) => r.atMs);
  assert.deepEqual(starts, [0, 30_000, 60_000]);
  const timed = await runFake("try for 1 minute or 1000 times every 15 seconds\n  false\nend\n");
  const timedStarts = timed.records.filter((r) => r.event === "try-attempt").map((r) => r.atMs);
  assert.deepEqual(timedStarts, [0, 15_000, 30_000, 45_000]);
});

test("try: bad limits are failures with a position", async () => {
  const run = await runFake("n=0\ntry $n times\n  echo x\nend\n");
  assert.equal(run.exitCode, 1);
  assert.match(run.stderr, /t\.ftsh:2:5: times must be between 1 and 1000000000, got 0/);
});

test("forany: tries alternatives in order; the successful one stays bound", async () => {
  const tried: string[] = [];
  const run = await runFake("forany server in X, Y, Z\n  wget http://$server/myfile\nend\necho got it from $server\n", {
    setup: (host) =>
      host.programs.set("wget", async ({ args }) => {
        tried.push(args[1]!);
        return args[1] === "http://Z/myfile" ? 0 : 4;
      }),
  });
  assert.deepEqual(tried, ["http://X/myfile", "http://Y/myfile", "http://Z/myfile"]);
  assert.equal(run.stdout, "got it from Z\n");
  assert.equal(run.exitCode, 0);
  const none = await runFake("list=\nforany s in $list\n  echo $s\nend\n");
  assert.equal(none.exitCode, 1);
  assert.match(none.stderr, /t\.ftsh:2:1: forany s: no alternatives/);
  const all = await runFake("forany s in a b\n  failure\nend\n");
  assert.match(all.stderr, /t\.ftsh:1:1: forany s: all 2 alternatives failed/);
});

test("forall: branches run in parallel, each with its own copy of the variables", async () => {
  const run = await runFake(
    "forall n in 3 1 2\n  sleep $n\n  mine=$n\n  echo done $n $mine\nend\necho \"after [$n] [$mine]\"\n",
  );
  assert.equal(run.stdout, "done 1 1\ndone 2 2\ndone 3 3\nafter [] []\n");
  assert.equal(run.environment.now(), 3000, "in parallel: 3 s, not 6 s");
});

test("forall: the first failure stops the running siblings", async () => {
  const stopped: string[] = [];
  const run = await runFake("forall h in a b c\n  work $h\nend\necho never\n", {
    setup: (host, environment) =>
      host.programs.set("work", async ({ args, signal }) => {
        if (args[1] === "b") {
          await environment.sleep(500, signal);
          return 1;
        }
        try {
          await environment.sleep(60_000, signal);
        } catch (error) {
          stopped.push(`${args[1]}@${environment.now()}`);
          throw error;
        }
        return 0;
      }),
  });
  assert.deepEqual(stopped.sort(), ["a@500", "c@500"]);
  assert.equal(run.exitCode, 1);
  assert.equal(run.stdout, "");
  assert.match(run.stderr, /t\.ftsh:1:1: forall h: branch h=b failed; stopped h=a, h=c/);
  // the stopped programs name the branch that failed, not its index ("branch 1 failed")
  assert.match(run.stderr, /t\.ftsh:2:3: work was cancelled \(process group killed with SIGTERM\): forall branch h=b failed\n/);
  assert.equal(run.environment.now(), 500);
});

test("while: a busy loop still yields to the event loop, so a (real-time) deadline stops it", async () => {
  const host = new FakeHost(new FakeEnvironment());
  const startMs = realEnvironment.now();
  const exitCode = await runScript({
    file: "t.ftsh",
    source: "try for 1 second\n  while true\n  end\ncatch\n  echo stopped\nend\n",
    args: [],
    host,
    processEnvironment: {},
    cwd: "/",
    environment: realEnvironment,
  });
  const elapsedMs = realEnvironment.now() - startMs;
  assert.equal(exitCode, 0);
  assert.equal(host.stdout, "stopped\n");
  assert.ok(elapsedMs >= 900 && elapsedMs < 20_000, `stopped after ${elapsedMs} ms`);
});

test("shell: the caller's signal stops the script and its programs", async () => {
  const controller = new AbortController();
  const run = await runFake("try 5 times\n  sleep 100\nend\n", {
    signal: controller.signal,
    setup: (_host, environment) => {
      environment.sleep(1500).then(() => controller.abort(new Error("interrupted")));
    },
  });
  assert.equal(run.exitCode, 1);
  assert.equal(run.environment.now(), 1500);
  assert.match(run.stderr, /sleep was cancelled \(process group killed with SIGTERM\): interrupted/);
});
