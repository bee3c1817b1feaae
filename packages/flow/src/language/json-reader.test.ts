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

test("json reader: a key written with escapes is the key it spells; a repeat of a key, however written, is refused where it stands", () => {
  assert.throws(() => readJson('{"a": 1, "\\u0061": 2}', "w.json"), /^WorkflowError: w\.json:1:10: duplicate key 'a' in JSON object \(first at w\.json:1:2\)$/);
  const long = `k${"é".repeat(40)}`;
  const document = readJson(`[{"${long}": 1, "\\ud83d\\ude00": 2, "q\\"": 3}, {"${long}": 4, "😀": 5, "q\\"": 6}]`, "w.json");
  const [first, second] = document.value as Array<Record<string, number>>;
  assert.deepEqual(Object.keys(first!), [long, "😀", 'q"']);
  assert.deepEqual(Object.keys(second!), [long, "😀", 'q"']);
  assert.deepEqual([long, "😀", 'q"'].map((key) => document.offsetOf(second!, key)), [81, 129, 138]);
});

test("json reader: positions after CRLF line ends, blank lines and a byte order mark, in nested containers; errors at their line and column", () => {
  const document = readJson('\ufeff{\r\n "x": [1,\r\n\r\n  [2, {"y": 3}]],\n "z": 1e+2}\n', "w.json");
  const top = document.value as { x: [number, [number, { y: number }]]; z: number };
  assert.equal(JSON.stringify(top), '{"x":[1,[2,{"y":3}]],"z":100}');
  const at = (container: object, key: string | number) => {
    const location = document.locate(document.offsetOf(container, key));
    return `${location.line}:${location.column}`;
  };
  assert.deepEqual([at(top, "x"), at(top.x, 0), at(top.x, 1), at(top.x[1], 0), at(top.x[1], 1), at(top.x[1][1], "y"), at(top, "z")], ["2:2", "2:8", "4:3", "4:4", "4:7", "4:8", "5:2"]);
  assert.throws(() => readJson(`${"[\n".repeat(3)}1,\n  2 x]]]`, "w.json"), /^WorkflowError: w\.json:5:5: expected ',' or '\]' in JSON array/);
  assert.throws(() => readJson('{"a":\n [1,\n 2]}\n\n x', "w.json"), /^WorkflowError: w\.json:5:2: unexpected text after the JSON value$/);
});

test("json reader: item and key offsets of many containers, large and small, stay apart", () => {
  const rules = Array.from({ length: 300 }, (_, i) => `{"command": "c${i}",\n "inputs": [${Array.from({ length: i % 4 }, (_, j) => `"i${j}"`).join(", ")}],\n "outputs": ["o${i}"]}`);
  const document = readJson(`{"rules": [\n${rules.join(",\n")}\n]}`, "w.json");
  const all = (document.value as { rules: Array<{ inputs: string[]; outputs: string[] }> }).rules;
  for (const [i, rule] of all.entries()) {
    const line = 2 + 3 * i;
    assert.deepEqual(document.locate(document.offsetOf(all, i)), { file: "w.json", line, column: 1 });
    assert.deepEqual(document.locate(document.offsetOf(rule, "outputs")), { file: "w.json", line: line + 2, column: 2 });
    assert.deepEqual(document.locate(document.offsetOf(rule.outputs, 0)), { file: "w.json", line: line + 2, column: 14 });
    for (let j = 0; j < rule.inputs.length; j++) assert.equal(document.locate(document.offsetOf(rule.inputs, j)).column, 13 + 6 * j);
    assert.equal(document.offsetOf(rule.inputs, rule.inputs.length), 0, "no item past the end");
  }
  // positions asked for out of the text's order (from the end, then every 37th) are found as well
  const offsets = all.map((_, i) => document.offsetOf(all, i));
  const expected = offsets.map((_, i) => 2 + 3 * i);
  assert.deepEqual([...offsets].reverse().map((offset) => document.locate(offset).line), [...expected].reverse());
  assert.deepEqual(offsets.map((_, i) => document.locate(offsets[(i * 37) % offsets.length]!).line), expected.map((_, i) => expected[(i * 37) % expected.length]));
});

test("json reader: numbers with exponents, lone and paired surrogate escapes, long strings with escapes, and nesting at its limit read as JSON.parse reads them", () => {
  const numbers = "[1E+2, -0.0e-0, 1e400, 0.5, -12e-3]";
  assert.deepEqual([...(readJson(numbers, "w.json").value as number[])], JSON.parse(numbers)); // a copy: without the offsets kept on the array
  for (const text of ['{"a": "\\ud83d"}', '{"a": "\\ud83d\\ude00 \\u00e9"}']) assert.deepEqual(Object.fromEntries(Object.entries(readJson(text, "w.json").value as object)), JSON.parse(text));
  const escaped = "x\\n\\u00e9\\\"".repeat(100_000);
  const text = `{"k": ["${escaped}",\n "${"y".repeat(1 << 20)}"]}`;
  const document = readJson(text, "w.json");
  const list = (document.value as { k: string[] }).k;
  assert.deepEqual([...list], JSON.parse(text).k);
  assert.deepEqual(document.locate(document.offsetOf(list, 1)), { file: "w.json", line: 2, column: 2 });
  const deepest = `${"[".repeat(512)}1${"]".repeat(512)}`; // the 1 at depth 512
  assert.equal(JSON.stringify(readJson(deepest, "w.json").value), deepest);
  assert.throws(() => readJson(`\n  [${deepest}]`, "w.json"), /^WorkflowError: w\.json:2:516: JSON nested deeper than 512$/);
});
