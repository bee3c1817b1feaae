import assert from "node:assert/strict";
import { test } from "node:test";
import { readJson } from "./json-reader.ts";

test("json reader: offsets of array items and object keys, in small and large objects", () => {
  const keys = Array.from({ length: 40 }, (_, i) => `"k${i}": ${i}`).join(",\n");
  const document = readJson(`{"a": [10, "x",\n  {"b": true}],\n${keys}}`, "w.json");
  const top = document.value as Record<string, unknown>;
  const array = top.a as unknown[];
  assert.deepEqual([0, 1, 2].map((i) => document.locate(document.offsetOf(array, i))).map((l) => `${l.line}:${l.column}`), ["1:8", "1:12", "2:3"]);
  assert.deepEqual(document.locate(document.offsetOf(top, "k39")), { file: "w.json", line: 42, column: 1 });
  assert.deepEqual(document.locate(document.offsetOf(top, "k0")), { file: "w.json", line: 3, column: 1 });
  assert.equal(document.offsetOf(top, "missing"), 0);
});

test("json reader: values are plain data (the offsets kept on them are not keys)", () => {
  const document = readJson('{"a": {"b": [1, -0.5e1, null, false, "s\\u0041\\n"]}, "__proto__": 1}', "w.json");
  assert.deepEqual(Object.keys(document.value as object), ["a", "__proto__"]);
  assert.equal(JSON.stringify(document.value), '{"a":{"b":[1,-5,null,false,"sA\\n"]},"__proto__":1}');
});

test("json reader error: a raw control character in a string is refused, as JSON.parse does", () => {
  assert.throws(() => readJson('{"a": "x\ty"}', "w.json"), /^WorkflowError: w\.json:1:9: a control character \(U\+0009\) in a JSON string must be written as an escape$/);
});
