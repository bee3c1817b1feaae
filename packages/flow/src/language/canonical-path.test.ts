import assert from "node:assert/strict";
import { test } from "node:test";
import { canonicalizer, fileNamed, isRenamed, writtenPath } from "./canonical-path.ts";

const at = { file: "w.mf", line: 1, column: 1 };

test("canonical path: a file inside the workflow's directory is named relative to it, however written", () => {
  const name = canonicalizer("/w/err");
  for (const written of ["x", "/w/err/x", "../err/x", "../../w/err/x"]) assert.equal(name(written), "x", written);
  assert.equal(name("d/x"), "d/x");
  assert.equal(name("/w/err/d/x"), "d/x");
  assert.equal(name("/w/err"), ".");
  assert.equal(name(".."), "/w");
  assert.equal(name("../other/in"), "/w/other/in");
  assert.equal(name("/w/errata"), "/w/errata", "a sibling sharing a prefix is outside");
  assert.equal(name("/etc/passwd"), "/etc/passwd");
});

test("canonical path: only a leading '..' is resolved; a '..' after a name stays as written (the name may be a symbolic link)", () => {
  const name = canonicalizer("/w/err");
  assert.equal(name("a/../x"), "a/../x");
  assert.equal(name("/w/err/a/../x"), "a/../x");
  assert.equal(name("../err/a/../x"), "a/../x");
  assert.equal(name("../a/../x"), "/w/a/../x");
  assert.equal(name("/w/err/../err/x"), "/w/err/../err/x", "kept absolute: a relative '../err/x' would be read as 'x'");
  assert.equal(name("../.."), "/");
});

test("canonical path: the root as the workflow's directory; no directory leaves paths as normalized", () => {
  const root = canonicalizer("/");
  assert.equal(root("/x/y"), "x/y");
  assert.equal(root("/"), ".");
  assert.equal(root("../x"), "x");
  const none = canonicalizer(undefined);
  assert.equal(none("/w/x"), "/w/x");
  assert.equal(none("../x"), "../x");
  assert.throws(() => canonicalizer("relative/dir"), /must be an absolute path/);
});

test("canonical path: a file keeps how it was written, and its remote name defaults to that", () => {
  const name = canonicalizer("/w");
  const absolute = fileNamed("/w/b", name, at);
  assert.deepEqual(absolute, { path: "b", remoteName: "/w/b", location: at, written: "/w/b" });
  assert.equal(writtenPath(absolute), "/w/b");
  assert.equal(isRenamed(absolute), false);
  const renamed = fileNamed("/w/b", name, at, "b");
  assert.equal(isRenamed(renamed), true);
  assert.deepEqual(fileNamed("b", name, at), { path: "b", remoteName: "b", location: at }, "no 'written' field when nothing changed");
});
