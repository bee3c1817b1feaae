import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";
import { Screen } from "../../test/screen.ts";

const workspace = workspaces("skein-nested-progress-");
const skein = new URL("../../../cli/bin/skein.js", import.meta.url).pathname;

// 2 rules around a nested workflow of 7: its first rule lasts a second, while the bar is drawn
const files = {
  "w.mf": "out: sub.mf\n\tMAKEFLOW sub.mf\nlast: out\n\tcat out > last\n",
  "sub.mf": `a:\n\tsleep 1; touch a\n${[1, 2, 3, 4, 5].map((i) => `b${i}: a\n\ttouch b${i}\n`).join("")}out: b1 b2 b3 b4 b5\n\ttouch out\n`,
};

const scriptMissing = spawnSync("script", ["-V"]).status === 0 ? undefined : "no script(1) on this machine";

test("progress bar: a nested workflow's rules are counted (and the rule running it is not), on one bar", { skip: scriptMissing, timeout: 60_000 }, () => {
  const root = workspace(files);
  const shell = `stty rows 12 cols 120; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(skein)} flow w.mf -j 2`;
  const ran = spawnSync("script", ["-qec", shell, "/dev/null"], { cwd: root, encoding: "latin1", timeout: 50_000, env: { ...process.env, TERM: "xterm" } });
  assert.equal(ran.status, 0, ran.stdout + ran.stderr);
  // each bar drawn: the text after a move to the bottom row and a line erase, up to the next escape
  const bars = ran.stdout.split("\x1b[12;1H\x1b[2K").slice(1).map((text) => text.split("\x1b")[0]!).filter((text) => text.includes("ETA"));
  // while sub.mf's first rule runs: its 6 other rules and `last` wait; 1 runs (not the MAKEFLOW rule too)
  assert.ok(bars.some((text) => text.includes("waiting 7  running 1  done 0  failed 0  ETA ?")), `the nested rules are not counted: ${JSON.stringify(bars)}`);
  assert.equal(ran.stdout.split("\x1b[1;11r").length - 1, 1, "one bar: the nested run draws none");
  const screen = new Screen(12, 120);
  screen.write(ran.stdout);
  const lines = screen.lines().filter((text) => text !== "");
  // 8 rules while it ran, 8 at the end: the MAKEFLOW rule, done, is not counted beside its nested rules
  assert.ok(lines.includes(`[${"#".repeat(30)}] waiting 0  running 0  done 8  failed 0  ETA 0s`), `the final bar counts all 8 rules: ${JSON.stringify(lines)}`);
});

test("progress bar: the final line counts a nested run's rules (in process, no terminal)", { timeout: 30_000 }, async () => {
  const root = workspace(files);
  const result = await runIn(root, { progress: true });
  assert.equal(result.code, 0, result.err);
  assert.match(result.err, /\] waiting 0 {2}running 0 {2}done 8 {2}failed 0 {2}ETA 0s\n/);
});

test("progress bar: a nested rule's failure counts once, not again as the MAKEFLOW rule around it", { timeout: 30_000 }, async () => {
  const root = workspace({ "w.mf": files["w.mf"], "sub.mf": "a:\n\ttouch a\nbad: a\n\texit 3\nout: bad\n\ttouch out\n" });
  const result = await runIn(root, { progress: true });
  assert.equal(result.code, 1, result.err);
  assert.match(result.err, /sub\.mf: bad: failed: exit code 3/);
  // `out` (sub.mf's) never ran and `last` waits; `a` done; `bad` failed, and the MAKEFLOW rule with it:
  // 4 rules, as when it succeeds
  assert.match(result.err, /\] waiting 2 {2}running 0 {2}done 1 {2}failed 1\n/); // stopped: no ETA
});

test("progress bar: a nested run whose log says every rule is done shows them as done", { timeout: 30_000 }, async () => {
  // the MAKEFLOW rule's target is a directory: run again, it is emptied around the files the
  // workflow names inside it, which sub.mf's log says it made, so sub.mf has nothing to do
  const root = workspace({ "w.mf": "d: sub.mf\n\tMAKEFLOW sub.mf d\nall: d/a d/b\n\tcat d/a d/b > all\n", "sub.mf": "a:\n\techo a > a\nb: a\n\tcat a > b\n" });
  mkdirSync(join(root, "d"));
  assert.equal((await runIn(root)).code, 0);
  rmSync(join(root, "w.mf.skeinlog"));
  const result = await runIn(root, { progress: true });
  assert.equal(result.code, 0, result.err);
  assert.ok(result.err.includes(`skein flow: ${root}/sub.mf (in ${root}/d): nothing to do`), result.err);
  assert.match(result.err, /\] waiting 0 {2}running 0 {2}done 3 {2}failed 0 {2}ETA 0s\n/); // all, and sub.mf's 2 for the MAKEFLOW rule
});

test("progress bar: a MAKEFLOW rule found done still counts its nested rules (nested deeper too), so the totals do not change between runs of one workflow", { timeout: 30_000 }, async () => {
  const root = workspace({
    "w.mf": "out:\n\tMAKEFLOW sub.mf\nall: out\n\tcat out > all\n",
    "sub.mf": "mid:\n\tMAKEFLOW leaf.mf\nout: mid\n\tcat mid > out\n",
    "leaf.mf": "mid:\n\techo m > mid\n",
  });
  const finalLine = /\] waiting 0 {2}running 0 {2}done 3 {2}failed 0 {2}ETA 0s\n/; // all; sub.mf's out; leaf.mf's mid (each MAKEFLOW rule counted as its rules)
  const first = await runIn(root, { progress: true });
  assert.match(first.err, finalLine);
  rmSync(join(root, "all")); // only `all` runs again: its MAKEFLOW rule is found done
  const again = await runIn(root, { progress: true });
  assert.match(again.err, /done, 1 rule ran/);
  assert.match(again.err, finalLine);
  // the top log gone, the MAKEFLOW rule runs again; its nested run finds its rules done (a
  // MAKEFLOW rule's targets are left to its nested run), its own MAKEFLOW rule too: the same totals
  rmSync(join(root, "w.mf.skeinlog"));
  const nestedRerun = await runIn(root, { progress: true });
  assert.match(nestedRerun.err, /sub\.mf: nothing to do, every rule is done/);
  assert.match(nestedRerun.err, finalLine);
});

test("progress bar: a nested run with nothing to do counts the rules of its MAKEFLOW rules found done too", { timeout: 30_000 }, async () => {
  // the MAKEFLOW rule's target is a directory: run again, it is emptied around the files the
  // workflow names inside it, which sub.mf's log says it made, so sub.mf has nothing to do
  const root = workspace({
    "w.mf": "d: sub.mf\n\tMAKEFLOW sub.mf d\nall: d/out d/mid d/leaf.mf\n\tcat d/out > all\n",
    "sub.mf": "mid:\n\tMAKEFLOW leaf.mf\nout: mid\n\tcat mid > out\n",
  });
  mkdirSync(join(root, "d"));
  writeFileSync(join(root, "d", "leaf.mf"), "mid:\n\techo m > mid\n"); // sub.mf runs in d: its nested file is read there
  const finalLine = /\] waiting 0 {2}running 0 {2}done 3 {2}failed 0 {2}ETA 0s\n/;
  assert.match((await runIn(root, { progress: true })).err, finalLine);
  rmSync(join(root, "w.mf.skeinlog"));
  const result = await runIn(root, { progress: true });
  assert.equal(result.code, 0, result.err);
  assert.match(result.err, /sub\.mf \(in .*\): nothing to do/);
  assert.match(result.err, finalLine);
});
