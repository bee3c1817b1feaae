import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-dot-");

test("flow: --dry-run --dot after a failed run colours the rule that failed as failed, not as waiting", async () => {
  const root = workspace({ "w.mf": "a:\n\ttouch a\nb: a\n\texit 3\nc: b\n\ttouch c\n" });
  assert.equal((await runIn(root)).code, 1);
  const dot = join(root, "g.dot");
  assert.equal((await runIn(root, { dryRun: true, dotFile: dot })).code, 0);
  const text = readFileSync(dot, "utf8");
  assert.match(text, /r0 \[[^\n]*fillcolor=palegreen/);
  assert.match(text, /r1 \[[^\n]*fillcolor=tomato/, text);
  assert.match(text, /r2 \[[^\n]*fillcolor=white/);
});
