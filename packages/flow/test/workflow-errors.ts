// Table-driven error tests of the language: one test per case, each asserting that reading the
// text throws a WorkflowError whose message matches.
import assert from "node:assert/strict";
import { test } from "node:test";

/** A case: its name, the workflow text, and the message expected. */
export type ErrorCase = [name: string, text: string, expected: RegExp];

/** Registers one test per case, named `<prefix> error: <name>`. */
export function testErrors(prefix: string, read: (text: string) => unknown, cases: readonly ErrorCase[]): void {
  for (const [name, text, expected] of cases) {
    test(`${prefix} error: ${name}`, () => {
      assert.throws(() => read(text), (error: Error) => {
        assert.equal(error.name, "WorkflowError");
        assert.match(error.message, expected);
        return true;
      });
    });
  }
}
