import assert from "node:assert/strict";
import { test } from "node:test";
import { NodeRegistry } from "./node-registry.ts";

test("node registry: finds every id it was given (built strings too), and nothing else", () => {
  const registry = new NodeRegistry();
  const ids = Array.from({ length: 5_000 }, (_, i) => (i % 3 === 0 ? `n${i}` : i % 3 === 1 ? `node-${i}-eu` : `${i}`));
  for (const [i, id] of ids.entries()) assert.equal(registry.add(id), i);
  assert.equal(registry.size, ids.length);
  for (let i = 0; i < ids.length; i++) assert.equal(registry.indexOf(`${ids[i]!.slice(0, 1)}${ids[i]!.slice(1)}`), i);
  for (const missing of ["", "n", "n5000", "node--1-eu", "x"]) assert.equal(registry.indexOf(missing), -1);
});
