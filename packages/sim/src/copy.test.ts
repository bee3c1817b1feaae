import assert from "node:assert/strict";
import { test } from "node:test";
import { copyMessage } from "./copy.ts";

test("copyMessage: deep-copies plain data; other values through structuredClone", () => {
  const body = { type: "x", list: [1, { a: "b" }], nested: { deep: { n: 1 } }, nil: null };
  const copy = copyMessage(body);
  assert.deepEqual(copy, body);
  assert.notEqual(copy.list, body.list);
  assert.notEqual(copy.nested.deep, body.nested.deep);
  const special = { when: new Date(0), set: new Set([1]), bytes: new Uint8Array([1, 2]) };
  const copied = copyMessage(special);
  assert.deepEqual(copied, special);
  assert.notEqual(copied.set, special.set);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  const cycleCopy = copyMessage(cyclic);
  assert.equal((cycleCopy.self as Record<string, unknown>).self !== undefined, true);
});
