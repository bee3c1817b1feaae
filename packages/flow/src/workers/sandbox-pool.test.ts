// A finished task's sandbox is emptied for the next task without blocking the worker: what is
// slow to remove (a tree, a crowd of files) is renamed aside and removed off the event loop.
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { waitFor } from "@skein/testkit";
import { temporaryDirectories } from "../../test/temporary.ts";
import { emptiedInPlaceFilesMax, SandboxPool } from "./sandbox-pool.ts";

const clock = realClock();
const temporary = temporaryDirectories("skein-sandbox-pool-");

/** Fills `directory` with `count` empty files. */
function files(directory: string, count: number): void {
  mkdirSync(directory, { recursive: true });
  for (let i = 0; i < count; i++) writeFileSync(join(directory, `f${i}`), "");
}

test("sandbox pool: a sandbox a task left a tree or a crowd of files in is ready again at once, empty; what it held is removed off the event loop", { timeout: 30_000 }, async () => {
  const root = temporary();
  const [sandboxes, captures] = [join(root, "sandbox"), join(root, "output")];
  mkdirSync(sandboxes);
  mkdirSync(captures);
  const pool = new SandboxPool(sandboxes, captures);
  const [tree, crowd, few] = [pool.fresh(), pool.fresh(), pool.fresh()];
  files(join(tree, "scratch", "deep"), 2_000);
  writeFileSync(join(tree, "out"), "x");
  files(crowd, emptiedInPlaceFilesMax + 1);
  files(few, 3);
  for (const sandbox of [tree, crowd, few]) pool.retire(sandbox);
  pool.recycleUsed();
  const again = [pool.fresh(), pool.fresh(), pool.fresh()].sort();
  assert.deepEqual(again, [tree, crowd, few].sort(), "all three reused");
  for (const sandbox of again) assert.deepEqual(readdirSync(sandbox), [], sandbox);
  const aside = () => readdirSync(sandboxes).filter((name) => name.includes(".removed-"));
  assert.equal(aside().length, 2, "the tree and the crowd wait aside, to be removed off the event loop");
  await waitFor(clock, () => aside().length === 0, 20_000, "the trees removed");
  assert.deepEqual(readdirSync(sandboxes).sort(), ["1", "2", "3"]);
});
