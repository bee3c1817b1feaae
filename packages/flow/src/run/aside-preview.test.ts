import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { readLogFile } from "../log/log-file.ts";
import { asidePreview, asidePreviewLines } from "./aside-preview.ts";

const workspace = workspaces("skein-aside-preview-");

function preview(root: string, complete = new Set<number>()) {
  const workflow = parseMakeflow(readFileSync(join(root, "w.mf"), "utf8"), { file: "w.mf", directory: root });
  const summary = readLogFile(join(root, "w.mf.skeinlog"), workflow.rules).summary;
  return asidePreview(workflow, root, summary, workflow.rules.map((_, rule) => rule), complete);
}

test("aside preview: --dry-run names each existing target the run would keep as .skein-old, and moves nothing", async () => {
  const root = workspace({ "w.mf": "notes.md:\n\techo made > notes.md\nres: res/config\n\tmkdir -p res; touch res/stamp\nmine:\n\ttouch mine\n" });
  writeFileSync(join(root, "notes.md"), "the user's\n");
  writeFileSync(join(root, "notes.md.skein-old"), "taken\n");
  mkdirSync(join(root, "res"));
  writeFileSync(join(root, "res", "config"), "a source\n");
  writeFileSync(join(root, "res", "stamp"), "the user's too\n");
  const kept = preview(root);
  assert.deepEqual(kept, [
    { rule: 0, target: "notes.md", aside: "notes.md.skein-old.2" },
    { rule: 1, target: "res", aside: "res.skein-old", entries: ["res/stamp"] },
  ]);
  assert.deepEqual(asidePreviewLines(kept, false).err, [
    "skein flow: --dry-run: would keep notes.md (not made by this workflow) as notes.md.skein-old.2\n",
    "skein flow: --dry-run: would keep what res holds that this workflow does not name (res/stamp) in res.skein-old\n",
  ]);
  assert.deepEqual(JSON.parse(asidePreviewLines(kept, true).out[0]!), { rule: 0, target: "notes.md", state: "would-set-aside", aside: "notes.md.skein-old.2" });
  assert.deepEqual(readdirSync(root).sort(), ["notes.md", "notes.md.skein-old", "res", "w.mf"]);
  assert.deepEqual(preview(root, new Set([0, 1])), [], "rules found complete do not run");
});

test("aside preview: a target the log shows the workflow made is not named (the run removes it)", async () => {
  const root = workspace({ "w.mf": "a b:\n\ttouch a b\n" });
  assert.equal((await runIn(root)).code, 0);
  writeFileSync(join(root, "w.mf"), "a b c:\n\ttouch a b c\n");
  writeFileSync(join(root, "c"), "the user's\n");
  assert.deepEqual(preview(root), [{ rule: 0, target: "c", aside: "c.skein-old" }]);
});
