// A workflow reached through a symbolic link to its directory: names resolve where its commands run.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-flow-linked-");

/** root/real/sub/w.mf reading ../in (root/real/in), reached as root/link/w.mf (link → real/sub). */
function linked(workflow: string): string {
  const root = workspace({});
  mkdirSync(join(root, "real", "sub"), { recursive: true });
  writeFileSync(join(root, "real", "in"), "data\n");
  writeFileSync(join(root, "real", "sub", "w.mf"), workflow);
  symlinkSync(join("real", "sub"), join(root, "link"));
  return root;
}

test("linked directory: a workflow reached through a link to its directory takes '..' as its commands do, from the real directory", async () => {
  const root = linked("out: ../in\n\tcat ../in > out\n");
  const result = await runIn(root, { file: join(root, "link", "w.mf") });
  assert.equal(result.code, 0, result.err);
  assert.equal(readFileSync(join(root, "real", "sub", "out"), "utf8"), "data\n");
  // the same log, however the workflow is reached: nothing to do by its real path
  const again = await runIn(root, { file: join(root, "real", "sub", "w.mf") });
  assert.equal(again.err, "skein flow: nothing to do, every rule is done\n");
  assert.deepEqual(readdirSync(join(root, "real", "sub")).sort(), ["out", "w.mf", "w.mf.skeinlog"]);
});

test("linked directory: a missing source is named as the workflow wrote it", async () => {
  const root = linked("out: ../nosuch\n\tcat ../nosuch > out\n");
  const result = await runIn(root, { file: join(root, "link", "w.mf") });
  assert.equal(result.code, 1);
  assert.match(result.err, /'\.\.\/nosuch'/);
  assert.doesNotMatch(result.err, /real/, "the user's names, not the real paths");
  assert.ok(!existsSync(join(root, "real", "sub", "out")));
});
