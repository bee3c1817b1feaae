import assert from "node:assert/strict";
import { test } from "node:test";
import { MemoryStorage } from "./storage.ts";

test("storage: synced writes survive a power loss, unsynced ones do not", async () => {
  const storage = new MemoryStorage();
  storage.put("a", 1);
  storage.append("first");
  await storage.sync();
  storage.put("a", 2);
  storage.put("b", 3);
  storage.append("second");
  assert.equal(storage.get("a"), 2);
  assert.equal(storage.unsyncedCount, 3);
  assert.equal(storage.loseUnsynced(), 3);
  assert.equal(storage.get("a"), 1);
  assert.equal(storage.get("b"), undefined);
  assert.deepEqual(storage.records(), ["first"]);
});

test("storage: a power loss may keep a prefix of the unsynced writes", () => {
  const storage = new MemoryStorage();
  storage.put("x", 1);
  storage.put("y", 2);
  storage.delete("x");
  assert.equal(storage.loseUnsynced(2), 1);
  assert.deepEqual(storage.keys(), ["x", "y"]);
});

test("storage: values are copies; keys are sorted and filtered by prefix", () => {
  const storage = new MemoryStorage();
  const value = { n: 1 };
  storage.put("k/2", value);
  value.n = 99;
  assert.deepEqual(storage.get("k/2"), { n: 1 });
  const read = storage.get<{ n: number }>("k/2")!;
  read.n = 5;
  assert.deepEqual(storage.get("k/2"), { n: 1 });
  storage.put("k/1", 0);
  storage.put("other", 0);
  assert.deepEqual(storage.keys("k/"), ["k/1", "k/2"]);
  assert.equal(storage.length, 0);
  assert.equal(storage.append({ r: 1 }), 0);
  assert.equal(storage.length, 1);
});
