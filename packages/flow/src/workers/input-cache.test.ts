// The worker's input cache: every change a task makes to a hard-linked input in place is found
// when the task ends, the entry leaves the cache, and tasks that may have seen another task's
// change are told so.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { appendFileSync, chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { temporaryDirectories } from "../../test/temporary.ts";
import { cachedFileName } from "./file-modes.ts";
import { InputCache } from "./input-cache.ts";

const temporary = temporaryDirectories("skein-input-cache-");
const hash = createHash("sha256").update("orig\n").digest("hex");
const input = (name: string, mode = 0o644) => ({ name, hash, mode });

/** A cache holding `content` as `hash` with `mode`, and a fresh sandbox maker. */
function cacheWith(content: string, mode = 0o644): { cache: InputCache; sandbox: () => string } {
  const root = temporary();
  const cache = new InputCache(join(root, "cache"));
  cache.receive(hash, mode, true, Buffer.from(content));
  let made = 0;
  return {
    cache,
    sandbox: () => {
      const path = join(root, `sandbox-${++made}`);
      mkdirSync(path);
      return path;
    },
  };
}

/** Places `in.txt` for `task` in a fresh sandbox; its path. */
function place(cache: InputCache, sandbox: () => string, task: number, mode = 0o644): string {
  assert.deepEqual(cache.missing([input("in.txt", mode)]), []);
  const directory = sandbox();
  cache.place(task, [input("in.txt", mode)], directory);
  return join(directory, "in.txt");
}

test("input cache: a write (even within the clock's tick, keeping the size), a chmod, an append: each drops the entry; replacing the file by rename does not", () => {
  const changes: Array<[string, (path: string) => void]> = [
    ["same-size write", (path) => writeFileSync(path, "ORIG\n")],
    ["chmod", (path) => chmodSync(path, 0o600)],
    ["append", (path) => appendFileSync(path, "more\n")],
  ];
  for (const [what, change] of changes) {
    const { cache, sandbox } = cacheWith("orig\n");
    change(place(cache, sandbox, 1));
    assert.deepEqual(cache.release(1), { dropped: [cachedFileName(hash, 0o644)], doubtful: false, changed: ["in.txt"] }, what);
    assert.deepEqual(readdirSync(cache.directory), [], `${what}: the changed entry left the cache`);
    assert.deepEqual(cache.missing([input("x")]), [cachedFileName(hash, 0o644)], what);
  }
  const { cache, sandbox } = cacheWith("orig\n");
  const path = place(cache, sandbox, 1);
  writeFileSync(`${path}.new`, "edited\n"); // as sed -i does
  renameSync(`${path}.new`, path);
  assert.deepEqual(cache.release(1), { dropped: [], doubtful: false, changed: [] });
  assert.equal(readFileSync(place(cache, sandbox, 2), "utf8"), "orig\n");
});

test("input cache: tasks holding one entry when it changes are in doubt, whoever wrote; later tasks get a private copy with the entry's mode", () => {
  const { cache, sandbox } = cacheWith("orig\n", 0o750);
  const writer = place(cache, sandbox, 1, 0o750);
  const reader = place(cache, sandbox, 2, 0o750); // queued behind the writer: the same inode
  appendFileSync(writer, "more\n");
  assert.equal(readFileSync(reader, "utf8"), "orig\nmore\n", "a hard link shares the change");
  const name = cachedFileName(hash, 0o750);
  assert.deepEqual(cache.release(1), { dropped: [name], doubtful: true, changed: ["in.txt"] });
  assert.deepEqual(cache.release(2), { dropped: [name], doubtful: true, changed: ["in.txt"] });
  // sent again: tasks now get copies of it, so a change stays in its own sandbox
  assert.deepEqual(cache.missing([input("in.txt", 0o750)]), [name]);
  cache.receive(hash, 0o750, true, Buffer.from("orig\n"));
  const copies = [place(cache, sandbox, 3, 0o750), place(cache, sandbox, 4, 0o750)];
  appendFileSync(copies[0]!, "more\n");
  assert.equal(readFileSync(copies[1]!, "utf8"), "orig\n");
  assert.equal(statSync(copies[1]!).mode & 0o777, 0o750);
  assert.notEqual(statSync(copies[1]!).ino, statSync(join(cache.directory, name)).ino);
  assert.deepEqual([cache.release(3), cache.release(4)], [{ dropped: [], doubtful: false, changed: [] }, { dropped: [], doubtful: false, changed: [] }]);
  assert.ok(existsSync(join(cache.directory, name)));
});

test("input cache: tasks that held an entry one after the other are not in doubt; an entry changed between tasks is missing for the next; a file sent again while the entry is intact is dropped", () => {
  const { cache, sandbox } = cacheWith("orig\n");
  place(cache, sandbox, 1);
  assert.deepEqual(cache.release(1), { dropped: [], doubtful: false, changed: [] });
  const second = place(cache, sandbox, 2);
  const inode = statSync(second).ino;
  cache.receive(hash, 0o644, true, Buffer.from("orig\n")); // the same content again: the entry stays
  assert.equal(statSync(join(cache.directory, cachedFileName(hash, 0o644))).ino, inode);
  assert.deepEqual(cache.release(2), { dropped: [], doubtful: false, changed: [] });
  appendFileSync(join(cache.directory, cachedFileName(hash, 0o644)), "x"); // by a straggler, say
  assert.deepEqual(cache.missing([input("in.txt"), { name: "dir" }]), [cachedFileName(hash, 0o644)]);
  assert.equal(cache.filesReceived, 2);
});
