import assert from "node:assert/strict";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";
import { killedBy } from "./executor.ts";

const workspace = workspaces("skein-killed-by-");

test("killed by: a signal is named both ways, whatever form the back end reported it in", () => {
  assert.equal(killedBy("signal 9"), "killed by SIGKILL (signal 9)");
  assert.equal(killedBy("SIGKILL"), "killed by SIGKILL (signal 9)");
  assert.equal(killedBy(15), "killed by SIGTERM (signal 15)");
  assert.equal(killedBy("signal 200"), "killed by signal 200");
  assert.equal(killedBy("SIGNOSUCH"), "killed by SIGNOSUCH");
});

test("killed by: a local command killed by SIGKILL, or SIGTERM, says the signal's name and number (the line and --json's reason)", async () => {
  const root = workspace({ "w.mf": "a:\n\tkill -9 $$$$\nb:\n\tkill -TERM $$$$\n" });
  const result = await runIn(root, { json: true });
  assert.equal(result.code, 1);
  assert.match(result.err, /skein flow: a: failed: killed by SIGKILL \(signal 9\)\n/);
  assert.match(result.err, /skein flow: b: failed: killed by SIGTERM \(signal 15\)\n/);
  const failed = result.out.split("\n").filter(Boolean).map((line) => JSON.parse(line)).filter((event) => event.state === "failed");
  assert.deepEqual(failed.map((event) => event.reason).sort(), ["killed by SIGKILL (signal 9)", "killed by SIGTERM (signal 15)"]);
});
