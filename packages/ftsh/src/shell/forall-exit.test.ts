import assert from "node:assert/strict";
import { test } from "node:test";
import { runFake } from "../../test/run-fake.ts";
import { parseScript } from "../language/parser.ts";

test("forall: exit in a branch ends the script with its code; siblings stop quietly, not 'failed'", async () => {
  const script = [
    "forall x in 1 2 3",
    "  if $x .eq. 2",
    "    exit 3",
    "  end",
    "  try for 1 hour",
    "    sleep 100",
    "  end",
    "end",
    "echo never",
    "",
  ].join("\n");
  const run = await runFake(script);
  assert.equal(run.exitCode, 3);
  assert.equal(run.stdout, "");
  assert.equal(run.stderr, "", "no sibling reported as failed or cancelled");
  assert.equal(run.environment.now(), 0, "siblings were stopped at once");
  const cancelled = run.records.filter((r) => r.event === "command" && r.outcome === "failure");
  assert.equal(cancelled.length, 2);
  for (const record of cancelled) assert.match(String(record.error), /cancelled .*: forall branch x=2 called exit 3/);
});

test("forall: exit in a nested forall's branch ends the whole script", async () => {
  const script = "forall a in 1 2\n  forall b in 1 2\n    if $a$b .eq. 21\n      exit 4\n    end\n    sleep 100\n  end\nend\n";
  const run = await runFake(script);
  assert.equal(run.exitCode, 4);
  assert.equal(run.stderr, "");
});

test("forall: a failing branch still cancels its siblings with a message naming it", async () => {
  const run = await runFake("forall x in 1 2\n  if $x .eq. 2\n    failure\n  end\n  sleep 100\nend\n");
  assert.equal(run.exitCode, 1);
  assert.match(run.stderr, /t\.ftsh:5:3: sleep was cancelled .*: forall branch x=2 failed/);
  assert.match(run.stderr, /t\.ftsh:1:1: forall x: branch x=2 failed; stopped x=1/);
});

test("forall: return inside a forall branch is a syntax error naming both lines", () => {
  const source = "function f\n  forall x in 1 2\n    if $x .eq. 1\n      return $x\n    end\n  end\nend\n";
  assert.throws(
    () => parseScript(source, "t.ftsh"),
    (error: Error) =>
      error.message ===
      "t.ftsh:4:7: 'return' inside the forall of line 2: a branch cannot return from the function while its siblings run; end the branch with success or failure, and return after the forall",
  );
  // after the forall, and in for/forany, return is fine
  parseScript("function f\n  forall x in 1 2\n    success\n  end\n  for y in 1\n    return $y\n  end\n  return 1\nend\n", "t.ftsh");
});
