// A `..` after a name is kept as written, as upstream (dag.c looks files up by the name as
// written) and make do: with `a` a symbolic link, `a/../in2` is not `in2` to the kernel. Before,
// it was collapsed to `in2` and `o: a/../in2` failed as a missing source while `cat a/../in2` works.
import assert from "node:assert/strict";
import { test } from "node:test";
import { normalizePath, remoteNameProblem } from "./file-words.ts";
import { parseWorkflow } from "./parse-workflow.ts";

test("normalizePath: './', '//', '/.' and a trailing '/' go; a '..' after a name stays; a leading '..' stays; '/..' is '/'", () => {
  const cases: Array<[string, string]> = [
    ["./a/", "a"],
    ["a//b/./c", "a/b/c"],
    ["a/../b", "a/../b"],
    ["./a/../b/", "a/../b"],
    ["x/..", "x/.."],
    ["../x", "../x"],
    ["../../x/../y", "../../x/../y"],
    ["./..", ".."],
    ["/a/../b", "/a/../b"],
    ["/../x", "/x"],
    ["/..", "/"],
    [".", "."],
    ["./", "."],
    ["", "."],
  ];
  for (const [written, normalized] of cases) assert.equal(normalizePath(written), normalized, written);
});

test("file names: 'a/../x' is a name of its own, kept in the rule as written and as its remote name", () => {
  const [rule] = parseWorkflow("o: a/../in2 ./b/../c\n\tcat a/../in2 > o\n", { file: "w.mf", environment: {}, directory: "/w" }).rules;
  assert.deepEqual(rule!.sources.map((s) => [s.path, s.remoteName]), [["a/../in2", "a/../in2"], ["b/../c", "b/../c"]]);
});

test("remote names: '..' anywhere in a remote name is refused, also after a name", () => {
  assert.equal(remoteNameProblem("a/../b"), "it holds a '..' segment, which can lead out of the sandbox");
  assert.equal(remoteNameProblem("a/.."), "it holds a '..' segment, which can lead out of the sandbox");
  assert.equal(remoteNameProblem("../b"), "it leads out of the sandbox ('..')");
  assert.equal(remoteNameProblem("a/..b"), undefined, "'..b' is a name");
});
