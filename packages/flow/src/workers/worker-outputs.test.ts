import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { listOutputs } from "./output-listing.ts";
import { inlineOutputBytesMax, inlineOutputEntriesMax, packOutputs as packListed } from "./worker-outputs.ts";

const packOutputs = (sandbox: string, outputs: string[]) => packListed(listOutputs(sandbox, outputs));

const sandbox = mkdtempSync(join(tmpdir(), "skein-outputs-"));
after(() => rmSync(sandbox, { recursive: true, force: true }));

test("worker outputs: small files and trees are packed in order, bytes back to back, each file with its mode; missing ones are named", () => {
  writeFileSync(join(sandbox, "a"), "hello");
  chmodSync(join(sandbox, "a"), 0o755);
  writeFileSync(join(sandbox, "empty"), "");
  chmodSync(join(sandbox, "empty"), 0o600);
  mkdirSync(join(sandbox, "tree/sub"), { recursive: true });
  writeFileSync(join(sandbox, "tree/sub/x"), "xy");
  chmodSync(join(sandbox, "tree/sub/x"), 0o4750); // setuid is never carried
  assert.equal(statSync(join(sandbox, "tree/sub/x")).mode & 0o7777, 0o4750, "this file system keeps setuid");
  const listing = listOutputs(sandbox, ["a", "empty", "tree", "absent"]);
  const packed = packListed(listing)!;
  assert.deepEqual(packed.entries, [
    { name: "a", bytes: 5, mode: 0o755 },
    { name: "empty", bytes: 0, mode: 0o600 },
    { name: "tree", directory: true },
    { name: "tree/sub", directory: true },
    { name: "tree/sub/x", bytes: 2, mode: 0o750 },
  ]);
  assert.equal(packed.payload.toString(), "helloxy");
  assert.deepEqual(listing.missing, ["absent"]);
});

test("worker outputs: past the byte or entry limit nothing is packed (the worker streams instead)", () => {
  writeFileSync(join(sandbox, "full"), Buffer.alloc(inlineOutputBytesMax));
  assert.equal(packOutputs(sandbox, ["full"])?.payload.length, inlineOutputBytesMax);
  writeFileSync(join(sandbox, "over"), Buffer.alloc(inlineOutputBytesMax + 1));
  assert.equal(packOutputs(sandbox, ["over"]), undefined);
  assert.equal(packOutputs(sandbox, ["full", "a"]), undefined, "the limit is per task, not per file");
  mkdirSync(join(sandbox, "many"));
  for (let i = 0; i < inlineOutputEntriesMax; i++) writeFileSync(join(sandbox, "many", String(i)), "");
  assert.equal(packOutputs(sandbox, ["many"]), undefined, "the directory and its files pass the entry limit");
});
