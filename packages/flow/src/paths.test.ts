import assert from "node:assert/strict";
import { resolve } from "node:path";
import { test } from "node:test";
import { normalizePath } from "./language/file-words.ts";
import { absolutePath, splitPath } from "./paths.ts";

test("absolutePath agrees with path.resolve for every normalized path", () => {
  const written = ["a", "a/b", "./a", "a//b/", "a/./b", "../x", "..", ".", ".hidden", "/abs/p", "/", "a/../b", "x/..", "dir/"];
  for (const directory of ["/", "/work", "/work/flow"]) {
    for (const raw of written) {
      const path = normalizePath(raw);
      assert.equal(absolutePath(directory, path), resolve(directory, path), `${directory} + ${raw}`);
    }
  }
});

test("splitPath separates the directory and the name", () => {
  assert.deepEqual(splitPath("/a/b/c"), { directory: "/a/b", name: "c" });
  assert.deepEqual(splitPath("/a"), { directory: "/", name: "a" });
});
