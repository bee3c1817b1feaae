import assert from "node:assert/strict";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { execFileSync } from "node:child_process";
import { temporaryDirectories } from "../../test/temporary.ts";
import { listOutputs } from "./output-listing.ts";

const temporary = temporaryDirectories("skein-output-listing-");

test("output listing: links inside the sandbox are followed (their content goes back), each directory before its files", () => {
  const sandbox = temporary();
  writeFileSync(join(sandbox, "result.txt"), "r\n");
  symlinkSync("result.txt", join(sandbox, "out"));
  mkdirSync(join(sandbox, "d", "run3"), { recursive: true });
  writeFileSync(join(sandbox, "d", "run3", "f"), "ff");
  symlinkSync("run3", join(sandbox, "d", "latest"));
  const listing = listOutputs(sandbox, ["out", "d", "absent"]);
  assert.deepEqual(listing.problems, []);
  assert.deepEqual(listing.missing, ["absent"]);
  assert.deepEqual(listing.entries.map(({ name, size, directory }) => [name, size, directory]), [
    ["out", 2, false],
    ["d", 0, true],
    ["d/latest", 0, true],
    ["d/latest/f", 2, false],
    ["d/run3", 0, true],
    ["d/run3/f", 2, false],
  ]);
  assert.equal(listing.entries[0]!.path, join(sandbox, "result.txt"));
  assert.equal(listing.bytes, 6);
});

for (const [what, make, output, problem] of [
  ["a link out of the sandbox", "ln -s /etc/hostname out", "out", "'out' is a symbolic link out of the worker's sandbox (to /etc/hostname)"],
  ["a link to nothing", "ln -s nowhere out", "out", "'out' is a symbolic link to nothing (to nowhere)"],
  ["a loop of links", "ln -s b out; ln -s out b", "out", "'out' is a loop of symbolic links"],
  ["a link to the directory holding it", "mkdir d; ln -s . d/a; ln -s . d/b", "d", "'d/a' is a symbolic link to a directory that contains it"],
  ["a link to the sandbox", "ln -s . out", "out", "'out' is a symbolic link to a directory that contains it"],
  ["links between two directories", "mkdir d e; ln -s ../e d/to-e; ln -s ../d e/to-d", "d", "'d/to-e/to-d' is a symbolic link to a directory that contains it"],
  ["a directory made a link out", "ln -s /etc sub", "sub/hostname", "'sub/hostname' is in a symbolic link out of the worker's sandbox"],
  ["a FIFO", "mkfifo out", "out", "'out' is not a file or directory (a FIFO)"],
] as const) {
  test(`output listing: ${what} is a problem naming it, and nothing is listed (no hang, no reading outside)`, () => {
    const sandbox = temporary();
    writeFileSync(join(sandbox, "ok"), "fine");
    execFileSync("/bin/sh", ["-c", make], { cwd: sandbox });
    const listing = listOutputs(sandbox, ["ok", output]);
    assert.deepEqual(listing.problems, [problem]);
    assert.deepEqual(listing.entries, []);
    rmSync(sandbox, { recursive: true, force: true });
  });
}
