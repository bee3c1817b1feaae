// The master's staging paths: each attempt at a task starts from an empty one, even while an
// earlier attempt's writes are still under way there.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { appendFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { temporaryDirectories } from "../../test/temporary.ts";
import { OutputStaging } from "./output-staging.ts";

const temporary = temporaryDirectories("skein-output-staging-");

test("output staging: a claim removes what an earlier attempt left, a tree or a file", () => {
  const staging = new OutputStaging();
  const tree = join(temporary(), "d.skein-part");
  mkdirSync(join(tree, "sub"), { recursive: true });
  writeFileSync(join(tree, "sub", "stale"), "old");
  const file = join(temporary(), "f.skein-part");
  writeFileSync(file, "old");
  const attempt = {};
  assert.equal(staging.claim(tree, attempt), undefined, "nothing under way: removed at once");
  assert.equal(staging.claim(file, attempt), undefined);
  assert.ok(!existsSync(tree) && !existsSync(file));
  assert.ok(staging.holds(tree, attempt));
  staging.release(tree, attempt);
  staging.release(file, attempt);
  assert.equal(staging.size, 0);
});

test("output staging: writes under way when a later attempt claims the path end first, then the path is emptied; the earlier attempt's queued writes are skipped", async () => {
  const staging = new OutputStaging();
  const root = join(temporary(), "d.skein-part");
  const first = {};
  const second = {};
  assert.equal(staging.claim(root, first), undefined);
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const underWay = staging.write(root, first, async () => {
    await mkdir(root, { recursive: true });
    await gate; // a write still running in the thread pool
    await writeFile(join(root, "stale"), "old");
  });
  const queued = staging.write(root, first, () => appendFile(join(root, "stale"), "more"));
  const emptied = staging.claim(root, second);
  assert.ok(emptied, "the removal waits for the write under way");
  assert.ok(!staging.holds(root, first) && staging.holds(root, second));
  const fresh = staging.write(root, second, () => mkdir(root).then(() => writeFile(join(root, "new"), "new")));
  assert.deepEqual(await Promise.all([staging.write(root, first, () => assert.fail("a superseded attempt writes nothing more"))]), [undefined]);
  open();
  await Promise.all([underWay, queued, emptied, fresh]);
  assert.deepEqual(readdirSync(root), ["new"]);
  assert.equal(readFileSync(join(root, "new"), "utf8"), "new");
  staging.release(root, first); // no longer its own: nothing happens
  assert.ok(staging.holds(root, second));
  staging.release(root, second);
  assert.equal(staging.size, 0);
});
