import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-flow-standard-output-");
const skein = new URL("../../../cli/bin/skein.js", import.meta.url).pathname;

test("standard output: --json to a file that cannot be written (a full disk, /dev/full) stops the run as a closed reader does, its lock released; it crashed with a stack trace", { skip: existsSync("/dev/full") ? undefined : "no /dev/full here", timeout: 60_000 }, () => {
  const root = workspace({ "w.mf": "a:\n\tsleep 0.2; touch a\nb: a\n\ttouch b\n" });
  const full = openSync("/dev/full", "w");
  try {
    const ran = spawnSync(process.execPath, [skein, "flow", "--json", "w.mf"], { cwd: root, stdio: ["ignore", full, "pipe"], encoding: "utf8", timeout: 50_000 });
    assert.equal(ran.status, 1, ran.stderr);
    assert.match(ran.stderr, /skein flow: stopped: standard output could not be written \(ENOSPC\)\n$/);
    assert.doesNotMatch(ran.stderr, /at |Node\.js/, "no stack trace");
    assert.ok(!existsSync(join(root, "w.mf.skeinlog.lock")), "the log's lock is released");
  } finally {
    closeSync(full);
  }
});

test("standard output: --dry-run and --clean --dry-run whose list cannot be written (/dev/full) exit 1 saying so, not 0 as if it were all there", { skip: existsSync("/dev/full") ? undefined : "no /dev/full here", timeout: 60_000 }, () => {
  const root = workspace({ "w.mf": "a:\n\ttouch a\n" });
  const full = openSync("/dev/full", "w");
  const unwritten = (args: string[]) => {
    const ran = spawnSync(process.execPath, [skein, "flow", ...args, "w.mf"], { cwd: root, stdio: ["ignore", full, "pipe"], encoding: "utf8", timeout: 50_000 });
    assert.equal(ran.status, 1, `${args.join(" ")}: ${ran.stderr}`);
    assert.match(ran.stderr, /skein flow: standard output could not be written \(ENOSPC\)\n$/);
  };
  try {
    unwritten(["--dry-run"]); // `touch a` would run
    assert.equal(spawnSync(process.execPath, [skein, "flow", "w.mf"], { cwd: root }).status, 0);
    unwritten(["--clean", "--dry-run"]); // a and the log would go
    assert.ok(existsSync(join(root, "a")), "nothing removed");
  } finally {
    closeSync(full);
  }
});
