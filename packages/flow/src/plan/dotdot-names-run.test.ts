// End to end through the built `skein` binary, with a symbolic link: `o: a/../in2` runs (it was
// "source 'in2' is not made by any rule and does not exist" while `cat a/../in2` works), a target
// written `a/../out` is made, logged and removed by --clean where the kernel puts it.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { temporaryDirectories } from "../../test/temporary.ts";

const skein = new URL("../../../cli/bin/skein.js", import.meta.url).pathname;
const temporary = temporaryDirectories("skein-dotdot-names-");

function flow(root: string, ...args: string[]): { status: number | null; stderr: string } {
  return spawnSync(process.execPath, [skein, "flow", ...args, "--no-progress"], { cwd: root, encoding: "utf8", timeout: 60_000 });
}

test("flow binary: names with '..' after a link are read as written: run, rerun and --clean", () => {
  const top = temporary();
  const root = join(top, "w");
  mkdirSync(root);
  mkdirSync(join(top, "elsewhere", "sub"), { recursive: true });
  writeFileSync(join(top, "elsewhere", "in2"), "from elsewhere\n");
  symlinkSync("../elsewhere/sub", join(root, "a")); // a/.. is top/elsewhere, not root
  writeFileSync(join(root, "M"), "o: a/../in2\n\tcat a/../in2 > o\na/../out: o\n\tcp o a/../out\n");
  const run = flow(root, "M");
  assert.equal(run.status, 0, run.stderr);
  assert.equal(readFileSync(join(root, "o"), "utf8"), "from elsewhere\n");
  assert.equal(readFileSync(join(top, "elsewhere", "out"), "utf8"), "from elsewhere\n");
  assert.ok(!existsSync(join(root, "out")));
  const again = flow(root, "M");
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /nothing to do, every rule is done/);
  const clean = flow(root, "--clean", "M");
  assert.equal(clean.status, 0, clean.stderr);
  assert.ok(!existsSync(join(top, "elsewhere", "out")) && !existsSync(join(root, "o")), clean.stderr);
  assert.ok(existsSync(join(top, "elsewhere", "in2")), "a source is kept");
});
