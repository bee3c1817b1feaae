import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { FileStorage, STORAGE_COMPACT_BYTES_MIN } from "./file-storage.ts";

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "skein-file-storage-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("file storage: a torn or corrupt tail is cut off at open; everything before it survives", (t) => {
  const dir = tempDir(t);
  const storage = new FileStorage(dir);
  storage.put("a", 1);
  storage.append("kept");
  storage.close();
  appendFileSync(join(dir, "storage.log"), Buffer.from([0, 0, 0, 50, 1, 2, 3])); // a record cut short
  const reopened = new FileStorage(dir);
  assert.equal(reopened.recoveredTruncatedBytes, 7);
  assert.equal(reopened.get("a"), 1);
  assert.deepEqual(reopened.records(), ["kept"]);
  reopened.put("b", 2); // appends after the cut, not after the garbage
  reopened.close();
  const data = readFileSync(join(dir, "storage.log"));
  data[data.length - 1] ^= 0xff; // corrupt the last record: its checksum no longer matches
  writeFileSync(join(dir, "storage.log"), data);
  const corrupt = new FileStorage(dir);
  assert.equal(corrupt.get("b"), undefined);
  assert.equal(corrupt.get("a"), 1);
  corrupt.close();
});

test("file storage: a file grown past the threshold is compacted on sync, keeping the state", async (t) => {
  const dir = tempDir(t);
  const storage = new FileStorage(dir);
  const value = "x".repeat(1000);
  for (let i = 0; statSync(join(dir, "storage.log")).size <= STORAGE_COMPACT_BYTES_MIN; i++) storage.put(`k${i % 10}`, value);
  await storage.sync();
  assert.ok(statSync(join(dir, "storage.log")).size < 20_000, "compacted to the ten live keys");
  storage.close();
  const reopened = new FileStorage(dir);
  assert.deepEqual(reopened.keys(), ["k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9"]);
  assert.equal(reopened.get("k3"), value);
  reopened.close();
});
