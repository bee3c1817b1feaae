import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
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

test("flow: --dot on a kernel file (/proc/version: root may open it, the write fails) is refused before any work, naming it", { skip: process.platform !== "linux" ? "Linux's /proc" : undefined }, async () => {
  const root = workspace({ "w.mf": "out:\n\ttouch out\n" });
  const result = await runIn(root, { dotFile: "/proc/version" });
  const refused = process.getuid?.() === 0 ? "is a file of the kernel's proc file system, where a DOT cannot be written; name a file on a disk" : "cannot write it (EACCES)";
  assert.deepEqual([result.code, result.err], [1, `skein flow: --dot /proc/version: ${refused}\n`]);
  assert.ok(!existsSync(join(root, "out")), "nothing ran");
});

test("flow: a --dot file that cannot be written at the end says only the DOT is missing and the run stays done (exit 1); a rerun writes it without running anything", async () => {
  const root = workspace({ "w.mf": "out:\n\trmdir gone; touch out\n" });
  mkdirSync(join(root, "gone"));
  const dot = join(root, "gone", "g.dot");
  const result = await runIn(root, { dotFile: dot });
  assert.equal(result.code, 1);
  assert.match(result.err, new RegExp(`skein flow: --dot ${dot}: cannot write it \\(ENOENT\\); only the DOT is missing, the run is not undone \\(what ran is logged; a rerun writes the DOT without running it again\\)\\n$`), result.err);
  assert.match(result.err, /^skein flow: done, 1 rule ran\nskein flow: --dot /m, "the run's last line, then why the DOT is missing (the exit code's cause last)");
  mkdirSync(join(root, "gone"));
  const rerun = await runIn(root, { dotFile: dot });
  assert.deepEqual([rerun.code, rerun.err], [0, "skein flow: nothing to do, every rule is done\n"]);
  assert.match(readFileSync(dot, "utf8"), /^digraph workflow \{/);
});

test("flow: --dot naming the workflow file, its log, a target or a source is refused before any work, and nothing is replaced", async () => {
  const workflow = "in.txt:\n\techo in > in.txt\na: in.txt\n\tcat in.txt > a\n";
  const root = workspace({ "w.mf": workflow });
  assert.equal((await runIn(root)).code, 0);
  const log = readFileSync(join(root, "w.mf.skeinlog"), "utf8");
  for (const [dot, what] of [
    ["w.mf", "the workflow file"],
    [`${root}/./w.mf`, "the workflow file"],
    ["w.mf.skeinlog", "the workflow's log"],
    ["a", "a target of the workflow \\(a\\)"],
    ["in.txt", "a target of the workflow \\(in.txt\\)"],
  ] as const) {
    const result = await runIn(root, { dotFile: isAbsolute(dot) ? dot : join(root, dot) });
    assert.equal(result.code, 1, `--dot ${dot}: ${result.err}`);
    assert.match(result.err, new RegExp(`--dot .*: is ${what}, which the DOT would replace; name another file`), result.err);
  }
  assert.equal(readFileSync(join(root, "w.mf"), "utf8"), workflow);
  assert.equal(readFileSync(join(root, "w.mf.skeinlog"), "utf8"), log);
  assert.equal(readFileSync(join(root, "a"), "utf8"), "in\n");
  const source = workspace({ "w.mf": "a: src.txt\n\tcat src.txt > a\n", "src.txt": "mine\n" });
  const result = await runIn(source, { dotFile: join(source, "src.txt") });
  assert.match(result.err, /is a source of the workflow \(src\.txt\)/);
  assert.equal(readFileSync(join(source, "src.txt"), "utf8"), "mine\n");
});
