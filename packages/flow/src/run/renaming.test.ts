import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { checkRenaming } from "./run-flow.ts";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-flow-renaming-");

test("renaming: -T local refuses a rule that renames a file, at the file's place, before anything runs", async () => {
  const root = workspace({ "w.mf": "first:\n\ttouch first\nout: prog.sh->prog in\n\t./prog in > out\n", "prog.sh": "#!/bin/sh\ncat \"$1\"\n", in: "x\n" });
  const result = await runIn(root);
  assert.equal(result.code, 1);
  assert.match(result.err, /^.*w\.mf:3:6: 'prog\.sh->prog' renames a file in the job's sandbox, which only -T workers gives; -T local runs commands in the workflow's directory\n$/);
  assert.ok(!existsSync(join(root, "first")), "nothing ran");
});

test("renaming: -T workers accepts renaming on remote rules but not on LOCAL ones; -T slurm refuses it; targets count too", () => {
  const remote = parseMakeflow("out: a->in\n\tcat in > out\n", { file: "w.mf" });
  checkRenaming(remote, "workers");
  assert.throws(() => checkRenaming(remote, "slurm"), /w\.mf:1:6: 'a->in' renames .* -T slurm runs commands in the workflow's directory/);
  const local = parseMakeflow("out->o: a\n\tLOCAL cp a o\n", { file: "w.mf" });
  assert.throws(() => checkRenaming(local, "workers"), /w\.mf:1:1: 'out->o' renames .*; a LOCAL rule runs in the workflow's directory/);
});

test("renaming: -T workers refuses, before anything runs, a file of a remote rule whose name as written would leave the sandbox", () => {
  for (const [text, column, name, fix] of [["out: /data/in\n\tcat /data/in > out\n", 6, "/data/in", "/data/in->in"], ["out: ../in\n\tcat ../in > out\n", 6, "../in", "../in->in"], ["../out: in\n\tcp in ../out\n", 1, "../out", "../out->out"]] as const) {
    const workflow = parseMakeflow(text, { file: "w.mf", directory: "/w/sub" });
    assert.throws(() => checkRenaming(workflow, "workers"), new RegExp(`^WorkflowError: w\\.mf:1:${column}: '${name.replace(/[.]/g, "\\.")}' would escape the worker's sandbox \\(an? [^)]+\\); rename it with local->remote \\('${fix.replace(/[.]/g, "\\.")}'\\)$`));
    checkRenaming(workflow, "local");
  }
  checkRenaming(parseMakeflow("out: /data/in->in\n\tcat in > out\nl: /data/in\n\tLOCAL cat /data/in > l\n", { file: "w.mf", directory: "/w/sub" }), "workers");
});
