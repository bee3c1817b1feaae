// A nested workflow sees the variables its MAKEFLOW rule exports, as upstream's nested
// makeflow (run as that rule's job) does: in its own `$(X)` and in its jobs' environment;
// the defaults every job gets (CORES, OMP_NUM_THREADS, …) describe the MAKEFLOW rule's own
// reservation and go on only when the workflow exported them itself.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-flow-nested-environment-");

test("nested environment: an exported variable is set in the nested workflow ($(X)) and in its jobs' environment", async () => {
  const root = workspace({ "w.mf": "export X=1\nout: sub.mf\n\tMAKEFLOW sub.mf\n", "sub.mf": "out:\n\techo $(X) $$X > out\n" });
  const result = await runIn(root);
  assert.equal(result.code, 0, result.err);
  assert.equal(readFileSync(join(root, "out"), "utf8"), "1 1\n");
});

test("nested environment: a variable set but not exported is not handed on; the environment skein was given still is", async () => {
  const root = workspace({ "w.mf": "X=1\nout: sub.mf\n\tMAKEFLOW sub.mf\n", "sub.mf": "out:\n\techo $(X) > out\n" });
  const result = await runIn(root);
  assert.equal(result.code, 1);
  assert.match(result.err, /X/);
  assert.equal((await runIn(root, { environment: { X: "env" } })).code, 0);
  assert.equal(readFileSync(join(root, "out"), "utf8"), "env\n");
});

test("nested environment: the MAKEFLOW rule's own CORES and OMP_NUM_THREADS are not its nested rules'; exported ones are", async () => {
  const sub = { "sub.mf": "out:\n\techo $$CORES $$OMP_NUM_THREADS > out\n" };
  const reserved = workspace({ "w.mf": "CORES=2\nout: sub.mf\n\tMAKEFLOW sub.mf\n", ...sub });
  assert.equal((await runIn(reserved, { jobs: 4 })).code, 0);
  assert.equal(readFileSync(join(reserved, "out"), "utf8"), "1 1\n");
  const exported = workspace({ "w.mf": "CORES=2\nexport CORES\nout: sub.mf\n\tMAKEFLOW sub.mf\n", ...sub });
  const result = await runIn(exported, { jobs: 4 });
  assert.equal(result.code, 0, result.err);
  assert.equal(readFileSync(join(exported, "out"), "utf8"), "2 2\n");
});

test("nested environment: a JSON workflow's \"environment\" is handed on; its CORES only when named there", async () => {
  const root = workspace({
    "w.mf": "",
    "w.json": JSON.stringify({ environment: { X: "1" }, rules: [{ workflow: "sub.mf", outputs: ["out"], resources: { cores: 2 } }, { workflow: "sub2.mf", outputs: ["out2"], environment: { CORES: "3" } }] }),
    "sub.mf": "out:\n\techo $(X) $$CORES > out\n",
    "sub2.mf": "out2:\n\techo $(X) $$CORES > out2\n",
  });
  const result = await runIn(root, { file: join(root, "w.json"), jobs: 4 });
  assert.equal(result.code, 0, result.err);
  assert.equal(readFileSync(join(root, "out"), "utf8"), "1 1\n");
  assert.equal(readFileSync(join(root, "out2"), "utf8"), "1 3\n");
});

test("nested environment: a rerun finds the nested workflow done, --dry-run lists its commands expanded, --clean removes its targets (nested two deep, the outer rule's variables too)", async () => {
  const root = workspace({
    "w.mf": "export X=1\nout: mid.mf\n\tMAKEFLOW mid.mf\n",
    "mid.mf": "export Y=$(X)2\nout: leaf.mf\n\tMAKEFLOW leaf.mf\n",
    "leaf.mf": "$(Y).txt:\n\techo $(X)$(Y) > $(Y).txt\nout: $(Y).txt\n\tcp $(Y).txt out\n",
  });
  const ran = await runIn(root);
  assert.equal(ran.code, 0, ran.err);
  assert.equal(readFileSync(join(root, "12.txt"), "utf8"), "112\n");
  const rerun = await runIn(root);
  assert.equal(rerun.code, 0, rerun.err);
  assert.match(rerun.err, /nothing to do, every rule is done/);
  const { rmSync } = await import("node:fs");
  rmSync(join(root, "out"));
  const dry = await runIn(root, { dryRun: true });
  assert.equal(dry.code, 0, dry.err);
  assert.equal(dry.out, "LOCAL MAKEFLOW mid.mf\n  LOCAL MAKEFLOW leaf.mf\n    cp 12.txt out\n");
  const clean = await runIn(root, { clean: true });
  assert.equal(clean.code, 0, clean.err);
  assert.equal(existsSync(join(root, "12.txt")), false, clean.err);
});

test("nested environment: an exported CORES is handed on when the nested file is read as older upstream did (`MAKEFLOW inner.mf sub`, sub/inner.mf)", async () => {
  const root = workspace({ "w.mf": "CORES=2\nexport CORES\nsub/out: sub/inner.mf\n\tMAKEFLOW inner.mf sub\n" });
  mkdirSync(join(root, "sub"));
  writeFileSync(join(root, "sub/inner.mf"), "out:\n\techo $$CORES > out\n");
  const result = await runIn(root, { jobs: 4 });
  assert.equal(result.code, 0, result.err);
  assert.equal(readFileSync(join(root, "sub/out"), "utf8"), "2\n");
});
