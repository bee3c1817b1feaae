import assert from "node:assert/strict";
import { test } from "node:test";
import type { FakeHost } from "../../test/fake-host.ts";
import { runFake } from "../../test/run-fake.ts";

/** A fake host whose writes to standard output or error (`fd`) fail as a closed pipe does. */
const brokenFd = (fd: 1 | 2) => ({
  setup: (host: FakeHost) => {
    const write = host.write.bind(host);
    host.write = async (sink, text) => {
      if (sink.kind === "inherit" && sink.fd === fd) throw new Error("broken pipe");
      return write(sink, text);
    };
  },
});

test("shell: a write that fails (a reader gone, a full disk) fails the echo, naming where it wrote", async () => {
  const run = await runFake("echo two >&2\necho one\necho three\n", brokenFd(1));
  assert.equal(run.exitCode, 1);
  assert.equal(run.stderr, "two\nt.ftsh:2:1: cannot write to standard output: broken pipe\n");
});

test("shell: a failure is still a failure when stderr cannot take its message", async () => {
  const run = await runFake("try\n  failure\ncatch\n  echo caught\nend\nfailure\necho never\n", brokenFd(2));
  assert.equal(run.exitCode, 1);
  assert.equal(run.stdout, "caught\n");
  const syntax = await runFake("end\n", {
    setup: (host) => {
      host.write = async () => {
        throw new Error("broken pipe");
      };
    },
  });
  assert.equal(syntax.exitCode, 2);
});

test("shell: a broken stdout is said once, not by every forall branch that wrote to it", async () => {
  const run = await runFake("forall i in 1 .to. 20\n  echo $i\nend\n", brokenFd(1));
  assert.equal(run.exitCode, 1);
  const lines = run.stderr.trimEnd().split("\n");
  assert.equal(lines.filter((line) => line.includes("cannot write to standard output: broken pipe")).length, 1, run.stderr);
  assert.match(lines.at(-1)!, /^t\.ftsh:1:1: forall i: branch i=\d+ failed/);
  // still in the log for each branch that failed so
  assert.ok(run.records.filter((r) => r.event === "failure" && String(r.message).includes("broken pipe")).length > 1);
});
