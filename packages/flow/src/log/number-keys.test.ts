import assert from "node:assert/strict";
import { test } from "node:test";
import { hexNumber, NumberKeys } from "./number-keys.ts";

test("number keys: keys of one to three words, past many doublings, find what was set and nothing else", () => {
  for (const words of [1, 2, 3] as const) {
    const keys = new NumberKeys(words, 4);
    const key = (i: number): [number, number, number] => [(i * 2654435761) >>> 0, words > 1 ? i % 7 : 0, words > 2 ? 0xffffffff - i : 0];
    for (let i = 0; i < 5000; i++) keys.set(...key(i), i * 1.5);
    keys.set(...key(42), -1); // set again: replaced, not added
    assert.equal(keys.size, 5000);
    for (let i = 0; i < 5000; i++) assert.equal(keys.get(...key(i)), i === 42 ? -1 : i * 1.5);
    assert.equal(keys.get(...key(5000)), undefined);
    if (words > 1) assert.equal(keys.get(key(1)[0], 6, key(1)[2]), undefined, "a key differing in its second word only");
  }
});

test("number keys: only 8 lower-case hex digits spell a hash", () => {
  assert.deepEqual(["0c77887e", "ffffffff", "00000000", "0C77887E", "c77887e", "0c77887e0", "0c77887g", undefined].map(hexNumber), [0x0c77887e, 0xffffffff, 0, -1, -1, -1, -1, -1]);
});
