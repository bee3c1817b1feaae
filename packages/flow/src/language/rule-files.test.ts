import assert from "node:assert/strict";
import { test } from "node:test";
import type { FileReference } from "../workflow.ts";
import { ruleFiles } from "./rule-files.ts";

const at = { file: "w.mf", line: 1, column: 1 };
const file = (path: string, remoteName = path, written?: string): FileReference => (written ? { path, remoteName, location: at, written } : { path, remoteName, location: at });
const paths = (list: readonly FileReference[]) => list.map((f) => f.path);

// Past 16 files a rule's files are checked with maps; without a renamed file, with one set per list.
test("rule files: past 16 files, repeats are dropped (first kept, in order), a target that is also a source stays in both, spellings of one file count once", () => {
  const many = Array.from({ length: 20 }, (_, i) => file(`s${i}`));
  const sources = [...many, file("s3"), file("t"), file("s0"), file("s5", "/w/s5", "/w/s5")];
  const targets = [file("t"), file("t"), file("u")];
  const kept = ruleFiles(targets, sources);
  assert.deepEqual(paths(kept.targets), ["t", "u"]);
  assert.deepEqual(paths(kept.sources), [...paths(many), "t"]);
  // nothing repeated: the lists themselves, not copies
  const plain = Array.from({ length: 30 }, (_, i) => file(`p${i}`));
  const one = [file("o")];
  const same = ruleFiles(one, plain);
  assert.equal(same.sources, plain);
  assert.equal(same.targets, one);
});

test("rule files: past 16 files with a renamed one, a remote name given to two files is still refused", () => {
  const many = Array.from({ length: 20 }, (_, i) => file(`s${i}`));
  assert.throws(() => ruleFiles([file("o")], [...many, file("a", "in"), file("b", "in")]), /^WorkflowError: w\.mf:1:1: remote name 'in' is given to both 'a' and 'b'$/);
  assert.deepEqual(paths(ruleFiles([file("o")], [...many, file("a", "in"), file("a", "in"), file("s1")]).sources), [...paths(many), "a"]);
});
