import assert from "node:assert/strict";
import { test } from "node:test";
import { runFake } from "../../test/run-fake.ts";

async function value(expression: string): Promise<string> {
  const run = await runFake(`x=${expression}\necho $x\n`);
  assert.equal(run.stderr, "");
  return run.stdout.trim();
}

test("evaluate: .pow. of -1 alternates with the exponent's parity, even for huge exponents", async () => {
  assert.equal(await value("-1 .pow. 3"), "-1");
  assert.equal(await value("-1 .pow. 4"), "1");
  assert.equal(await value("-1 .pow. 1000000000001"), "-1");
  assert.equal(await value("-2 .pow. 3"), "-8");
  assert.equal(await value("-2 .pow. 63"), "-9223372036854775808");
  assert.equal(await value("0 .pow. 0"), "1");
  assert.equal(await value("0 .pow. 1000000000000"), "0");
  assert.equal(await value("1 .pow. 1000000000000"), "1");
  const overflow = await runFake("x=2 .pow. 63\n");
  assert.equal(overflow.stderr, "t.ftsh:1:5: integer overflow\n");
});

test("evaluate: the longest expression allowed evaluates without exhausting the stack", async () => {
  assert.equal(await value(`1${" .add. 1".repeat(1000)}`), "1001");
  assert.equal(await value(`2${" .pow. 1".repeat(1000)}`), "2");
});

test("evaluate: the last arm of a 5000-arm else-if chain is reached", async () => {
  const arms = Array.from({ length: 5000 }, (_, i) => `else if $x .eql. ${i + 1}\n  echo arm ${i + 1}\n`).join("");
  const run = await runFake(`x=5000\nif $x .eql. 0\n  echo zero\n${arms}else\n  echo other\nend\n`);
  assert.equal(run.stderr, "");
  assert.equal(run.stdout, "arm 5000\n");
});

test("evaluate: a file test of an empty name (an unset variable) is false, not a test of the working directory", async () => {
  assert.equal(await value('.exists. ""'), "false");
  assert.equal(await value(".isdir. $unset"), "false");
  assert.equal(await value('.isr. "$unset"'), "false");
  assert.equal(await value(".isdir. ."), "true");
});
