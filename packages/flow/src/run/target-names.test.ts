import assert from "node:assert/strict";
import { readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { readLogFile } from "../log/log-file.ts";
import { cleanTree } from "./clean.ts";

const workspace = workspaces("skein-target-names-");
const asides = (root: string) => readdirSync(root).filter((name) => name.includes(".skein-old"));

test("flow: a rule given one more target reruns without keeping its earlier outputs as .skein-old (the log names each file it made)", async () => {
  const root = workspace({ "w.mf": "a b:\n\techo 1 > a; echo 1 > b\n" });
  assert.equal((await runIn(root)).code, 0);
  writeFileSync(join(root, "w.mf"), "a b c:\n\techo 2 > a; echo 2 > b; echo 2 > c\n");
  const again = await runIn(root);
  assert.equal(again.code, 0, again.err);
  assert.doesNotMatch(again.err, /kept/);
  assert.deepEqual(asides(root), []);
  assert.equal(readFileSync(join(root, "a"), "utf8"), "2\n");
});

test("flow: a rule split in two, or with six targets reordered, takes its earlier outputs for the workflow's", async () => {
  const root = workspace({ "w.mf": "a b c d e f:\n\ttouch a b c d e f\n" });
  assert.equal((await runIn(root)).code, 0);
  writeFileSync(join(root, "w.mf"), "f e d c b a:\n\ttouch a b c d e f\n");
  const reordered = await runIn(root);
  assert.equal(reordered.code, 0, reordered.err);
  writeFileSync(join(root, "w.mf"), "a b c:\n\ttouch a b c\nd e f:\n\ttouch d e f\n");
  const split = await runIn(root);
  assert.equal(split.code, 0, split.err);
  assert.match(split.err, /done, 2 rules ran/);
  assert.deepEqual(asides(root), [], `${reordered.err}${split.err}`);
});

test("flow: a made target changed by hand since its rule was done is kept as .skein-old when the edited rule runs again", async () => {
  const root = workspace({ "w.mf": "a b:\n\techo 1 > a; echo 1 > b\n" });
  assert.equal((await runIn(root)).code, 0);
  writeFileSync(join(root, "b"), "the user's edit\n");
  writeFileSync(join(root, "w.mf"), "a b c:\n\techo 2 > a; echo 2 > b; echo 2 > c\n");
  const preview = await runIn(root, { dryRun: true });
  assert.match(preview.err, /would keep b \(changed since the workflow made it\) as b\.skein-old/);
  const again = await runIn(root);
  assert.equal(again.code, 0, again.err);
  assert.match(again.err, /kept b \(changed since the workflow made it\) as b\.skein-old/);
  assert.deepEqual(asides(root), ["b.skein-old"]);
  assert.equal(readFileSync(join(root, "b.skein-old"), "utf8"), "the user's edit\n");
});

test("clean: the outputs of a rule deleted from the workflow since it ran go when unchanged; a changed one, or one now read as a source, stays and is named", async () => {
  const root = workspace({ "w.mf": "keep:\n\techo k > keep\ngone:\n\techo g > gone\nedited:\n\techo e > edited\ninput:\n\techo i > input\n" });
  assert.equal((await runIn(root)).code, 0);
  writeFileSync(join(root, "edited"), "the user's now\n");
  utimesSync(join(root, "edited"), 1, 1);
  writeFileSync(join(root, "w.mf"), "keep:\n\techo k > keep\nout: input\n\tcat input > out\n");
  const dry = cleanTree(loaded(root), () => undefined, true);
  assert.deepEqual(dry.files.map(({ path }) => path), ["keep", "gone"]);
  assert.deepEqual(dry.kept, [
    { path: "edited", why: "changed since the workflow made it" },
    { path: "input", why: "the workflow reads it now, as a source" },
  ]);
  assert.deepEqual(readdirSync(root).sort(), ["edited", "gone", "input", "keep", "w.mf", "w.mf.skeinlog"], "a dry run removes nothing");
  const cleaned = await runIn(root, { clean: true });
  assert.equal(cleaned.code, 0, cleaned.err);
  assert.deepEqual(readdirSync(root).sort(), ["edited", "input", "w.mf"]);
});

function loaded(root: string) {
  const workflow = parseMakeflow(readFileSync(join(root, "w.mf"), "utf8"), { file: "w.mf", directory: root });
  const logPath = join(root, "w.mf.skeinlog");
  return { workflow, summary: readLogFile(logPath, workflow.rules).summary, directory: root, logPath };
}

test("clean: a target of the workflow now that only an earlier version made (a rule deleted, another naming its file since) goes only when unchanged since done", async () => {
  const root = workspace({ "w.mf": "data.csv:\n\techo made > data.csv\nsum:\n\techo made > sum\n" });
  assert.equal((await runIn(root)).code, 0);
  // the user writes data.csv by hand; the rules are replaced by others that name both files again
  writeFileSync(join(root, "data.csv"), "the user's own data\n");
  writeFileSync(join(root, "w.mf"), "data.csv extra:\n\techo new > data.csv; touch extra\nsum total:\n\techo new > sum; touch total\n");
  const dry = cleanTree(loaded(root), () => undefined, true);
  assert.deepEqual(dry.files.map(({ path }) => path), ["sum"]);
  assert.deepEqual(dry.kept, [{ path: "data.csv", why: "changed since the workflow made it" }]);
});
