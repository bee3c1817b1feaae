import assert from "node:assert/strict";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { execFileSync } from "node:child_process";
import { temporaryDirectories } from "../../test/temporary.ts";
import { listOutputs, listOutputsInTurns, type OutputListing, outputEntriesPerTurnMax } from "./output-listing.ts";

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
    let inTurns: OutputListing | Error | undefined;
    listOutputsInTurns(sandbox, ["ok", output], {}, (listed) => (inTurns = listed));
    assert.deepEqual(inTurns, listing, "the same, listed in one turn");
    rmSync(sandbox, { recursive: true, force: true });
  });
}

test("output listing in turns: 20 000 files are listed in batches of outputEntriesPerTurnMax, the event loop turning between them; the same listing", { timeout: 60_000 }, async () => {
  const sandbox = temporary();
  const files = 20_000;
  mkdirSync(join(sandbox, "d"));
  for (let i = 0; i < files; i++) writeFileSync(join(sandbox, "d", String(i)), "x");
  let turns = 0;
  let ticks = 0; // of an immediate of the test's, while the listing goes on
  let ticking = true;
  const tick = () => {
    ticks++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  let returned = false;
  let endedWithinTheCall = false;
  const listed = await new Promise<OutputListing | Error | undefined>((resolve) => {
    const turn = () => {
      turns++;
      return new Promise<void>((next) => setImmediate(next));
    };
    listOutputsInTurns(sandbox, ["d"], { turn }, (listing) => {
      endedWithinTheCall = !returned;
      resolve(listing);
    });
    returned = true;
  });
  ticking = false;
  assert.equal(endedWithinTheCall, false, "a large listing ends in a later turn");
  // one visit per file and one for the directory
  assert.equal(turns, Math.floor((files + 1) / outputEntriesPerTurnMax));
  assert.ok(ticks >= turns / 2, `the test's timer ran ${ticks} times during ${turns} turns`);
  assert.deepEqual(listed, listOutputs(sandbox, ["d"]));
});

test("output listing in turns: a small listing ends within the call; a cancelled one stops at the next turn and says undefined", () => {
  const sandbox = temporary();
  mkdirSync(join(sandbox, "d"));
  for (let i = 0; i < outputEntriesPerTurnMax * 3; i++) writeFileSync(join(sandbox, "d", String(i)), "");
  writeFileSync(join(sandbox, "small"), "s");
  let small: OutputListing | Error | undefined;
  listOutputsInTurns(sandbox, ["small"], {}, (listed) => (small = listed));
  assert.deepEqual(small, listOutputs(sandbox, ["small"]));
  let turns = 0;
  const calls: Array<OutputListing | Error | undefined> = [];
  let wait!: () => void;
  listOutputsInTurns(sandbox, ["d"], { turn: () => new Promise((resolve) => {
    wait = resolve;
    turns++;
  }), cancelled: () => true }, (listed) => calls.push(listed));
  assert.deepEqual([turns, calls], [1, []]);
  wait();
  return new Promise<void>((resolve) => setImmediate(resolve)).then(() => assert.deepEqual([turns, calls], [1, [undefined]]));
});
