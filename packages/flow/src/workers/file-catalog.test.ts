import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { temporaryDirectories } from "../../test/temporary.ts";
import { FileCatalog } from "./file-catalog.ts";

const temporary = temporaryDirectories("skein-file-catalog-");

test("file catalog: a file's hash is its SHA-256, read in chunks", () => {
  const path = join(temporary(), "f");
  const content = Buffer.alloc(2.5 * 1024 * 1024, "ab");
  writeFileSync(path, content);
  assert.equal(new FileCatalog().hashOf(path), createHash("sha256").update(content).digest("hex"));
});

test("file catalog: an input over 2 GiB is hashed (it was read whole, and Node reads no file that large at once)", { timeout: 60_000 }, () => {
  const path = join(temporary(), "big");
  writeFileSync(path, "");
  truncateSync(path, 2 ** 31 + 1); // sparse: takes no disk
  assert.match(new FileCatalog().hashOf(path), /^[0-9a-f]{64}$/);
});

test("file catalog: a FIFO in a directory input is refused, naming it (reading it waited for a writer for ever)", { timeout: 10_000 }, () => {
  const root = temporary();
  mkdirSync(join(root, "in"));
  writeFileSync(join(root, "in", "a"), "a");
  execFileSync("mkfifo", [join(root, "in", "pipe")]);
  assert.throws(() => new FileCatalog().entries(join(root, "in"), "in"), new Error(`${join(root, "in", "pipe")} is a FIFO, not a file or directory`));
});

test("file catalog: a directory input holding a link to a directory that contains it is refused at the link (it was walked 40 levels deep, every file hashed at each)", () => {
  const root = temporary();
  mkdirSync(join(root, "in", "sub"), { recursive: true });
  writeFileSync(join(root, "in", "sub", "a"), "a");
  symlinkSync("../..", join(root, "in", "sub", "up"));
  assert.throws(() => new FileCatalog().entries(join(root, "in"), "in"), new Error(`${join(root, "in", "sub", "up")} is a symbolic link to a directory that contains it`));
  symlinkSync("sub", join(root, "in", "alias")); // a link elsewhere in the tree is followed
  rmSync(join(root, "in", "sub", "up"));
  assert.deepEqual(new FileCatalog().entries(join(root, "in"), "in").map((entry) => entry.name), ["in", "in/alias", "in/alias/a", "in/sub", "in/sub/a"]);
});

test("file catalog: an input's size is read once for the run (placing a task costs no stat per input), again once an output landed there", () => {
  const root = temporary();
  const path = join(root, "in");
  writeFileSync(path, "12345");
  const catalog = new FileCatalog();
  assert.equal(catalog.sizeOf(path), 5);
  rmSync(path); // not read again: a stat would throw now
  assert.equal(catalog.sizeOf(path), 5);
  writeFileSync(path, "1234567");
  catalog.forgetSize(path);
  assert.equal(catalog.sizeOf(path), 7);
  mkdirSync(join(root, "d"));
  assert.equal(catalog.sizeOf(join(root, "d")), Number.POSITIVE_INFINITY, "a directory: listed in full when asked");
  assert.throws(() => catalog.sizeOf(join(root, "missing")), /ENOENT/);
});
