import assert from "node:assert/strict";
import { resolve } from "node:path";
import { test } from "node:test";
import { normalizePath } from "./language/file-words.ts";
import { absolutePath, splitPath } from "./paths.ts";

test("absolutePath agrees with path.resolve for every normalized path without '..' after a name", () => {
  const written = ["a", "a/b", "./a", "a//b/", "a/./b", "../x", "..", ".", ".hidden", "/abs/p", "/", "dir/", "../../x", "/../x"];
  for (const directory of ["/", "/work", "/work/flow"]) {
    for (const raw of written) {
      const path = normalizePath(raw);
      assert.equal(absolutePath(directory, path), resolve(directory, path), `${directory} + ${raw}`);
    }
  }
});

test("absolutePath leaves a '..' after a name as written, for the kernel (the name may be a symbolic link)", () => {
  assert.equal(absolutePath("/w/d", normalizePath("./a/../b")), "/w/d/a/../b");
  assert.equal(absolutePath("/w/d", normalizePath("../a/../b")), "/w/a/../b");
  assert.equal(absolutePath("/w/d", normalizePath(".hidden/../b")), "/w/d/.hidden/../b");
  assert.equal(absolutePath("/", normalizePath("../x/..")), "/x/..");
});

test("splitPath separates the directory and the name", () => {
  assert.deepEqual(splitPath("/a/b/c"), { directory: "/a/b", name: "c" });
  assert.deepEqual(splitPath("/a"), { directory: "/", name: "a" });
});
