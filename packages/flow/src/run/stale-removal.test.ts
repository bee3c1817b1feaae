import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-stale-removal-");

/** Makes `path` immutable (chattr +i, root on a file system that has it), or says why not. */
function immutable(path: string): string | undefined {
  const made = spawnSync("chattr", ["+i", path], { encoding: "utf8" });
  return made.status === 0 ? undefined : `chattr +i does not work here: ${made.stderr.trim() || made.error?.message}`;
}

test("flow: a stale target that cannot be removed fails its rule, naming it (the command does not run), and --clean says which; no stack trace", async (t) => {
  const root = workspace({ "w.mf": "out/x:\n\tmkdir -p out; echo new > out/x\nafter:\n\ttouch after\n" });
  mkdirSync(join(root, "out"));
  writeFileSync(join(root, "out", "x"), "stale\n");
  const why = immutable(join(root, "out", "x"));
  if (why) return t.skip(why);
  try {
    const run = await runIn(root);
    assert.equal(run.code, 1, run.err);
    assert.match(run.err, /out\/x: failed: cannot remove out\/x \(EPERM\), left from an earlier run: the command was not started/);
    assert.match(run.err, /stopped: rule 'out\/x'/);
    const clean = await runIn(root, { clean: true });
    assert.equal(clean.code, 1);
    assert.match(clean.err, /--clean: cannot remove out\/x \(EPERM\)/);
  } finally {
    spawnSync("chattr", ["-i", join(root, "out", "x")]);
  }
});
