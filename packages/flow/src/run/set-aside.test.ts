import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { temporaryDirectories } from "../../test/temporary.ts";
import { setAside, setAsideInside } from "./set-aside.ts";

const temporary = temporaryDirectories("skein-set-aside-");

test("set aside: an aside name another process takes while a target moves is never replaced; the next free name is used (file and directory)", () => {
  const root = temporary();
  writeFileSync(join(root, "x"), "mine");
  mkdirSync(join(root, "d"));
  writeFileSync(join(root, "d", "notes"), "mine too");
  // the name is free when looked at, then taken just before the move
  const takeFirst = (aside: string) => {
    if (aside.endsWith(".skein-old")) writeFileSync(aside, "theirs");
  };
  assert.deepEqual(setAside(join(root, "x"), "x", takeFirst), { aside: "x.skein-old.2" });
  assert.equal(readFileSync(join(root, "x.skein-old"), "utf8"), "theirs");
  assert.equal(readFileSync(join(root, "x.skein-old.2"), "utf8"), "mine");
  assert.ok(!existsSync(join(root, "x")));
  assert.deepEqual(setAside(join(root, "d"), "d", takeFirst), { aside: "d.skein-old.2" });
  assert.equal(readFileSync(join(root, "d.skein-old"), "utf8"), "theirs");
  assert.equal(readFileSync(join(root, "d.skein-old.2", "notes"), "utf8"), "mine too");
  assert.ok(!existsSync(join(root, "d")));
});

test("set aside: what a directory target holds goes under a <dir>.skein-old made for it, never into one another process made meanwhile", () => {
  const root = temporary();
  mkdirSync(join(root, "res"));
  writeFileSync(join(root, "res", "stamp"), "mine");
  const takeFirst = (aside: string) => {
    if (!aside.endsWith(".skein-old")) return;
    mkdirSync(aside);
    writeFileSync(join(aside, "stamp"), "theirs");
  };
  assert.deepEqual(setAsideInside(join(root, "res"), "res", [join(root, "res", "stamp")], takeFirst), { aside: "res.skein-old.2" });
  assert.equal(readFileSync(join(root, "res.skein-old", "stamp"), "utf8"), "theirs");
  assert.equal(readFileSync(join(root, "res.skein-old.2", "stamp"), "utf8"), "mine");
});
