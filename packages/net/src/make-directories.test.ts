import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { makeDirectories } from "./make-directories.ts";

test("makeDirectories: makes missing levels, accepts existing ones, and fails with a code where Node's recursive mkdir hangs (/proc) or cannot (a file on the way)", (t) => {
  const root = mkdtempSync(join(tmpdir(), "skein-mkdirs-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  makeDirectories(join(root, "a/b/c"));
  assert.ok(statSync(join(root, "a/b/c")).isDirectory());
  makeDirectories(join(root, "a/b/c")); // again: nothing to do
  makeDirectories(join(root, "a/b/../d"), 0o700);
  assert.equal(statSync(join(root, "a/d")).mode & 0o777, 0o700);
  writeFileSync(join(root, "file"), "");
  assert.throws(() => makeDirectories(join(root, "file")), { code: "ENOTDIR" });
  assert.throws(() => makeDirectories(join(root, "file/x/y")), { code: "ENOTDIR" });
  if (statSync("/proc/self", { throwIfNoEntry: false })?.isDirectory()) {
    assert.throws(() => makeDirectories("/proc/self/skein-cache/x"), { code: "ENOENT" });
  }
});
