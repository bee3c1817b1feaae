import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "./command.ts";
import { numberOption } from "./number-option.ts";

/** The usage error's message for `value`. */
function refusal(value: string, flag: string, init: Parameters<typeof numberOption>[2]): string {
  try {
    numberOption(value, flag, init);
  } catch (error) {
    assert.ok(error instanceof UsageError, String(error));
    return error.message;
  }
  return assert.fail(`'${value}' was accepted`);
}

test("number option: a flag that refuses zero says it takes a positive number, not a non-negative one", () => {
  const positive = { min: 0, minExclusive: true };
  assert.equal(refusal("0", "--heartbeat", positive), "--heartbeat takes a positive number, not '0'");
  assert.equal(refusal("-5", "--worker-timeout", positive), "--worker-timeout takes a positive number, not '-5'");
  assert.equal(numberOption("0.5", "--heartbeat", positive), 0.5);
  assert.equal(refusal("0", "--cores", { min: 1, integer: true }), "--cores takes a positive integer, not '0'");
  assert.equal(refusal("x", "--cores", { min: 1, integer: true }), "--cores takes a positive integer, not 'x'");
  assert.equal(refusal("0", "--memory", { min: 0, minExclusive: true, integer: true }), "--memory takes a positive integer, not '0'");
});

test("number option: zero where it is allowed, and a range with a note", () => {
  assert.equal(numberOption("0", "--timeout", { min: 0 }), 0);
  assert.equal(refusal("-1", "--timeout", { min: 0 }), "--timeout takes a non-negative number, not '-1'");
  assert.equal(refusal("", "--retry-count", { min: 0, integer: true }), "--retry-count takes a non-negative integer, not ''");
  const port = { min: 0, max: 65535, integer: true, note: "0 picks a free port" };
  assert.equal(numberOption("0", "--port", port), 0);
  assert.equal(numberOption("65535", "--port", port), 65535);
  for (const bad of ["65536", "99999", "-1", "80.5"]) assert.equal(refusal(bad, "--port", port), `--port takes an integer from 0 to 65535 (0 picks a free port), not '${bad}'`);
  assert.equal(refusal("1", "--scale", { min: 2 }), "--scale takes a number of at least 2, not '1'");
  assert.equal(numberOption(undefined, "--scale", { min: 2 }), undefined);
});
