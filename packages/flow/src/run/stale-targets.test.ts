import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { StaleTargets } from "./stale-targets.ts";

const workflow = parseMakeflow(["a:\n\ttouch a", "sub/b:\n\ttouch sub/b", "none/c:\n\ttouch none/c", "d:\n\ttouch d"].join("\n"), { file: "w.mf" });

test("stale targets: what exists when its directory is listed is removed before a first attempt; a retry always checks", () => {
  const root = mkdtempSync(join(tmpdir(), "skein-stale-"));
  try {
    mkdirSync(join(root, "sub"));
    writeFileSync(join(root, "a"), "partial output of an interrupted run");
    writeFileSync(join(root, "sub", "b"), "stale");
    const stale = new StaleTargets(workflow, root);
    stale.beforeStart(0, 1);
    stale.beforeStart(1, 1);
    stale.beforeStart(2, 1); // its directory does not exist: nothing to remove
    assert.ok(!existsSync(join(root, "a")) && !existsSync(join(root, "sub", "b")));
    // d was absent when the directory was listed; a first attempt trusts that listing ...
    writeFileSync(join(root, "d"), "appeared later");
    stale.beforeStart(3, 1);
    assert.ok(existsSync(join(root, "d")));
    // ... but a second attempt (its own first attempt may have written it) looks again
    stale.beforeStart(3, 2);
    assert.ok(!existsSync(join(root, "d")));
    writeFileSync(join(root, "a"), "written by attempt 1");
    stale.beforeStart(0, 2);
    assert.ok(!existsSync(join(root, "a")));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("stale targets: a directory target made again keeps the files other rules made inside it (d/x of a done rule)", () => {
  const nested = parseMakeflow(["d:\n\tmkdir -p d; touch d/own", "d/x:\n\techo x > d/x", "d/sub/y:\n\ttouch d/sub/y"].join("\n"), { file: "w.mf" });
  const root = mkdtempSync(join(tmpdir(), "skein-stale-"));
  try {
    mkdirSync(join(root, "d", "sub"), { recursive: true });
    for (const name of ["own", "x", "sub/y", "sub/old"]) writeFileSync(join(root, "d", name), name);
    new StaleTargets(nested, root).beforeStart(0, 2);
    assert.ok(existsSync(join(root, "d", "x")) && existsSync(join(root, "d", "sub", "y")), "the other rules' targets stay");
    assert.ok(!existsSync(join(root, "d", "own")) && !existsSync(join(root, "d", "sub", "old")), "the rest of d goes");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("stale targets: a directory target present before the first run keeps the sources the workflow reads inside it", () => {
  const reads = parseMakeflow(["res:\n\tmkdir -p res; date > res/stamp", "b: res/config res\n\tcat res/config > b"].join("\n"), { file: "w.mf" });
  const root = mkdtempSync(join(tmpdir(), "skein-stale-"));
  try {
    mkdirSync(join(root, "res"));
    writeFileSync(join(root, "res", "config"), "precious");
    writeFileSync(join(root, "res", "stamp"), "old");
    new StaleTargets(reads, root).beforeStart(0, 1);
    assert.ok(existsSync(join(root, "res", "config")), "the user's source stays");
    assert.ok(!existsSync(join(root, "res", "stamp")));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
