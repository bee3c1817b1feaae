import assert from "node:assert/strict";
import { test } from "node:test";
import { runFake } from "../../test/run-fake.ts";
import { parseScript } from "../language/parser.ts";

test("odd characters: a NUL byte in the script is a syntax error at its place", () => {
  assert.throws(() => parseScript("echo a\nls b\0c\n", "t.ftsh"), (error: Error) => error.message === "t.ftsh:2:5: a NUL byte in the script: ftsh scripts are text");
});

test("odd characters: a NUL byte reaching a program's arguments or environment is named, not Node's 'args[0]' message", async () => {
  const setup = { setup: (host: import("../../test/fake-host.ts").FakeHost) => host.programs.set("binary", async ({ write }) => {
    write(1, "a\0b");
    return 0;
  }) };
  const argument = await runFake("binary -> x\ncat $x\n", setup);
  assert.equal(argument.exitCode, 1);
  assert.equal(argument.stderr, "t.ftsh:2:1: cat could not be started: argument 1 contains a NUL byte (binary data captured into a variable?), which no program can receive\n");
  assert.equal(argument.host.runs.length, 1, "cat never ran");
  const exported = await runFake("binary -> X\nexport X\ntrue\n", setup);
  assert.equal(exported.stderr, "t.ftsh:3:1: true could not be started: the exported variable X contains a NUL byte, which no program can receive\n");
});

test("odd characters: a no-break space glued into a program name is shown, not taken for a blank", async () => {
  const run = await runFake("ls\u00a0-l /tmp\n");
  assert.equal(run.exitCode, 1);
  assert.equal(
    run.stderr,
    "t.ftsh:1:1: ls<U+00A0>-l could not be started: no such program (the name contains a no-break space, U+00A0, which is not a blank)\n",
  );
  // inside quotes, where it belongs, it is kept as it is
  const quoted = await runFake('echo "a\u00a0b"\n');
  assert.equal(quoted.stdout, "a\u00a0b\n");
});

test("try every N without a limit runs its group once, as in the original ftsh", async () => {
  const run = await runFake("try every 5 seconds\n  false\nend\n");
  assert.equal(run.exitCode, 1);
  assert.equal(run.host.runs.length, 1);
  assert.equal(run.environment.now(), 0);
});
