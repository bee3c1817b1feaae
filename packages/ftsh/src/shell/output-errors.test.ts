import assert from "node:assert/strict";
import { test } from "node:test";
import { runFake } from "../../test/run-fake.ts";

test("shell: a write that fails (a reader gone, a full disk) fails the echo, naming where it wrote", async () => {
  const run = await runFake("echo two >&2\necho one\necho three\n", {
    setup: (host) => {
      const write = host.write.bind(host);
      host.write = async (sink, text) => {
        if (sink.kind === "inherit" && sink.fd === 1) throw new Error("broken pipe");
        return write(sink, text);
      };
    },
  });
  assert.equal(run.exitCode, 1);
  assert.equal(run.stderr, "two\nt.ftsh:2:1: cannot write to standard output: broken pipe\n");
});

test("shell: a failure is still a failure when stderr cannot take its message", async () => {
  const run = await runFake("try\n  failure\ncatch\n  echo caught\nend\nfailure\necho never\n", {
    setup: (host) => {
      const write = host.write.bind(host);
      host.write = async (sink, text) => {
        if (sink.kind === "inherit" && sink.fd === 2) throw new Error("broken pipe");
        return write(sink, text);
      };
    },
  });
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
