import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { waitFor } from "@skein/testkit";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-flow-");
const run = runIn;

const pipeline = "X=hi\nall: a b\n\tcat a b > all\na:\n\techo $(X) > a\nb: in\n\tLOCAL tr a-z A-Z < in > b\n";

test("run: builds the targets; a second run has nothing to do; --clean restores the directory", async () => {
  const root = workspace({ "w.mf": pipeline, in: "input\n" });
  const before = readdirSync(root).sort();
  const first = await run(root);
  assert.equal(first.code, 0, first.err);
  assert.equal(readFileSync(join(root, "all"), "utf8"), "hi\nINPUT\n");
  const second = await run(root);
  assert.equal(second.code, 0);
  assert.match(second.err, /nothing to do/);
  assert.equal((await run(root, { clean: true })).code, 0);
  assert.deepEqual(readdirSync(root).sort(), before);
});

test("run: a target deleted after the run is made again, with what depends on it", async () => {
  const root = workspace({ "w.mf": pipeline, in: "input\n" });
  assert.equal((await run(root)).code, 0);
  rmSync(join(root, "a"));
  const again = await run(root, { json: true });
  const ran = again.out.trim().split("\n").map((l) => JSON.parse(l)).filter((e) => e.state === "done").map((e) => e.target);
  assert.deepEqual(ran.sort(), ["a", "all"]);
});

test("run: a command that succeeds without making its target fails, naming the file", async () => {
  const root = workspace({ "w.mf": "out other:\n\ttouch out\n" });
  const result = await run(root);
  assert.equal(result.code, 1);
  assert.match(result.err, /did not create other/);
});

test("run: a failing rule is retried with backoff and then succeeds", async () => {
  const root = workspace({ "w.mf": "out:\n\ttest -e marker && touch out || { touch marker; exit 3; }\n" });
  const result = await run(root, { retryCount: 2, retryDelayMs: 5 });
  assert.equal(result.code, 0, result.err);
  assert.match(result.err, /exit code 3; retry in \d+ ms/);
});

test("run: after the retry budget the run stops, keeps what is done, and exits non-zero", async () => {
  const root = workspace({ "w.mf": "bad:\n\texit 1\nafter: bad\n\ttouch after\ngood:\n\ttouch good\n" });
  const result = await run(root, { retryCount: 1, retryDelayMs: 1, jobs: 1 });
  assert.equal(result.code, 1);
  assert.match(result.err, /stopped: rule 'bad' \(.*w\.mf:1:1\) failed: exit code 1/);
  assert.equal(existsSync(join(root, "after")), false);
  const log = readFileSync(join(root, "w.mf.skeinlog"), "utf8");
  assert.equal(log.split("\n").filter((l) => / 0 running /.test(l)).length, 2);
});

test("run: --dry-run prints what would run and runs nothing; with --dot it writes the DAG", async () => {
  const root = workspace({ "w.mf": pipeline, in: "x\n" });
  const result = await run(root, { dryRun: true, dotFile: join(root, "g.dot") });
  assert.equal(result.out, "echo hi > a\nLOCAL tr a-z A-Z < in > b\ncat a b > all\n");
  assert.equal(existsSync(join(root, "a")), false);
  assert.match(readFileSync(join(root, "g.dot"), "utf8"), /^digraph/);
});

test("run: --json prints one event per state change; --dot colours the DAG by state", async () => {
  const root = workspace({ "w.mf": pipeline, in: "x\n" });
  const result = await run(root, { json: true, dotFile: join(root, "g.dot") });
  const events = result.out.trim().split("\n").map((line) => JSON.parse(line));
  // running: dispatched to an executor (as in the log); started: the command got its cores
  assert.deepEqual(events.filter((e) => e.rule === 0).map((e) => e.state), ["ready", "running", "started", "done"]);
  const dot = readFileSync(join(root, "g.dot"), "utf8");
  assert.match(dot, /^digraph workflow/);
  assert.equal(dot.match(/fillcolor=palegreen/g)?.length, 3);
});

test("run: --json opens with the run's 'started' event and closes with its 'finished' one, even when there is nothing to do", async () => {
  const root = workspace({ "w.mf": pipeline, in: "x\n" });
  const first = (await run(root, { json: true })).out.trim().split("\n").map((line) => JSON.parse(line));
  const file = join(root, "w.mf");
  assert.deepEqual({ ...first[0], timeMs: 0, epochMs: 0 }, { timeMs: 0, run: file, state: "started", backEnd: "local", target: "local", rules: 3, done: 0, epochMs: 0 });
  assert.deepEqual(first.at(-1), { ...first.at(-1), run: file, state: "finished", ok: true, ran: 3 });
  assert.ok(first.at(-1).timeMs >= Math.max(...first.map((e) => e.timeMs)), "the last event's time is the latest");
  const local = first.find((e) => e.executor === "local");
  assert.deepEqual([local.state, local.diskMb, typeof local.memoryMb], ["joined", null, "number"], "no limit is null, not 2^53 - 1");
  const again = (await run(root, { json: true })).out.trim().split("\n").map((line) => JSON.parse(line));
  assert.deepEqual(again.map((e) => [e.state, e.rules, e.done, e.ok, e.ran]), [["started", 3, 3, undefined, undefined], ["finished", undefined, undefined, true, 0]]);
  const failing = workspace({ "w.mf": "bad:\n\texit 3\n" });
  const failed = (await run(failing, { json: true })).out.trim().split("\n").map((line) => JSON.parse(line)).at(-1);
  assert.deepEqual([failed.state, failed.ok, failed.ran], ["finished", false, 0]);
  assert.match(failed.reason, /rule 'bad' .* failed: exit code 3/);
});

test("run: --json's retrying and failed events say where the attempt ran and for how long, as done does", async () => {
  const root = workspace({ "w.mf": "bad:\n\texit 1\n" });
  const result = await run(root, { json: true, retryCount: 1, retryDelayMs: 1 });
  assert.equal(result.code, 1);
  const ends = result.out.trim().split("\n").map((line) => JSON.parse(line)).filter((e) => e.state === "retrying" || e.state === "failed");
  assert.deepEqual(ends.map((e) => [e.state, e.executorId, typeof e.durationMs]), [["retrying", "local", "number"], ["failed", "local", "number"]]);
});

test("run: exported variables reach the job's environment", async () => {
  const root = workspace({ "w.mf": "export GREETING=hello\nout:\n\techo \\$GREETING > out\n" });
  assert.equal((await run(root)).code, 0);
  assert.equal(readFileSync(join(root, "out"), "utf8"), "hello\n");
});

test("run: a nested MAKEFLOW rule runs the child workflow in its directory", async () => {
  const root = workspace({ "w.mf": "sub/result: sub/child.mf\n\tMAKEFLOW sub/child.mf sub\n" });
  const { mkdirSync } = await import("node:fs");
  mkdirSync(join(root, "sub"));
  writeFileSync(join(root, "sub", "child.mf"), "result: part\n\tcp part result\npart:\n\techo nested > part\n");
  const result = await run(root);
  assert.equal(result.code, 0, result.err);
  assert.equal(readFileSync(join(root, "sub", "result"), "utf8"), "nested\n");
});

test("run: one nested workflow file run in two directories keeps a log per directory; --clean removes both", async () => {
  const root = workspace({ "w.mf": "a/out: step.mf\n\tMAKEFLOW step.mf a\nb/out: step.mf\n\tMAKEFLOW step.mf b\n", "step.mf": "out:\n\tpwd > out\n" });
  mkdirSync(join(root, "a"));
  mkdirSync(join(root, "b"));
  const before = tree(root);
  const result = await run(root);
  assert.equal(result.code, 0, result.err);
  assert.match(readFileSync(join(root, "a", "out"), "utf8"), /\/a\n$/);
  assert.match(readFileSync(join(root, "b", "out"), "utf8"), /\/b\n$/);
  const logs = readdirSync(root).filter((name) => name.startsWith("step.mf.") && name.endsWith(".skeinlog"));
  assert.equal(logs.length, 2, `one log per directory: ${logs.join(" ")}`);
  for (const log of logs) {
    const states = readFileSync(join(root, log), "utf8").trim().split("\n").filter((line) => !line.startsWith("#"));
    assert.equal(states.length, 2, `the rule ran once in this directory, then was done: ${states.join(" | ")}`);
  }
  assert.match((await run(root)).err, /nothing to do/);
  const cleaned = await run(root, { clean: true });
  assert.equal(cleaned.code, 0, cleaned.err);
  assert.deepEqual(tree(root), before);
});

test("run: nested workflows run at most -j at once, like any other local task", async () => {
  const count = 6;
  const rules = Array.from({ length: count }, (_, i) => `n${i}/done: n${i}/child.mf\n\tMAKEFLOW n${i}/child.mf n${i}\n`).join("");
  const root = workspace({ "w.mf": rules });
  const events = join(root, "events");
  for (let i = 0; i < count; i++) {
    mkdirSync(join(root, `n${i}`));
    // each child marks its start and end in one shared file (appends of a line are atomic)
    writeFileSync(join(root, `n${i}`, "child.mf"), `done:\n\techo + >> ${events}; sleep 0.2; echo - >> ${events}; touch done\n`);
  }
  const result = await run(root, { jobs: 2 });
  assert.equal(result.code, 0, result.err);
  let running = 0;
  let most = 0;
  for (const event of readFileSync(events, "utf8").trim().split("\n")) {
    running += event === "+" ? 1 : -1;
    most = Math.max(most, running);
  }
  assert.equal(most, 2, "two nested workflows at a time with -j 2");
});

/** Every file under `root`, relative, sorted. */
function tree(root: string): string[] {
  return (readdirSync(root, { recursive: true, withFileTypes: true }) as Array<{ name: string; parentPath?: string; path?: string; isFile(): boolean }>)
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath ?? entry.path!, entry.name)))
    .sort();
}

test("run: --clean descends into nested workflows (two levels) and removes only what the tree made", async () => {
  // The parent makes the child workflow's file; the child nests a grandchild that was there before.
  const root = workspace({
    "w.mf": "sub/child.mf: child.template\n\tcp child.template sub/child.mf\nsub/result: sub/child.mf\n\tMAKEFLOW sub/child.mf sub\ntop: sub/result\n\tcp sub/result top\n",
    "child.template": "part:\n\techo nested > part\ninner/deep: inner/grand.mf\n\tMAKEFLOW inner/grand.mf inner\nresult: part inner/deep\n\tcat part inner/deep > result\n",
  });
  mkdirSync(join(root, "sub", "inner"), { recursive: true });
  writeFileSync(join(root, "sub", "keep"), "was here\n");
  writeFileSync(join(root, "sub", "inner", "grand.mf"), "deep:\n\techo grand > deep\n");
  writeFileSync(join(root, "sub", "inner", "old"), "was here too\n");
  const before = tree(root);
  const result = await run(root);
  assert.equal(result.code, 0, result.err);
  assert.equal(readFileSync(join(root, "top"), "utf8"), "nested\ngrand\n");
  assert.ok(tree(root).includes("sub/inner/deep") && tree(root).includes("sub/inner/grand.mf.skeinlog"));
  const cleaned = await run(root, { clean: true });
  assert.equal(cleaned.code, 0, cleaned.err);
  assert.deepEqual(tree(root), before);
  assert.match(cleaned.err, /removed 5 files/);
});

const skein = new URL("../../../cli/bin/skein.js", import.meta.url).pathname;

// "group": sent to the whole process group, as a terminal's Ctrl-C or hang-up is — the launcher
// must not die of it before the master has killed the commands through it
for (const [signal, code, to] of [["SIGINT", 130, "process"], ["SIGTERM", 143, "process"], ["SIGINT", 130, "group"], ["SIGHUP", 129, "group"]] as const) {
  test(`run: ${signal} to the ${to} stops \`skein flow\` cleanly: running commands are killed, exit code ${code}, and a rerun resumes`, { timeout: 60_000 }, async () => {
    // `slow` waits for a file the test creates only before the rerun
    const root = workspace({ "w.mf": "slow:\n\ttest -e go && touch slow || sleep 30\nquick:\n\ttouch quick\n" });
    const child = spawn(process.execPath, [skein, "flow", "w.mf", "-j", "2", "--no-progress"], { cwd: root, stdio: ["ignore", "ignore", "pipe"], detached: to === "group" });
    let err = "";
    child.stderr!.on("data", (chunk) => (err += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (status) => resolve(status)));
    // the log's "done" line, not the file: a command that ended but whose end the master had
    // not yet taken when the signal came is rightly run again, and the rerun would count it
    const quickDone = () => existsSync(join(root, "w.mf.skeinlog")) && /^\S+ 1 done /m.test(readFileSync(join(root, "w.mf.skeinlog"), "utf8"));
    await waitFor(realClock(), quickDone, 30_000, "the quick rule");
    if (to === "group") process.kill(-child.pid!, signal);
    else child.kill(signal);
    assert.equal(await exited, code, err);
    assert.match(err, new RegExp(`stopped: interrupted by ${signal}`));
    // the slow command died with the run: its `sh` before skein exited (the launcher reaps its
    // children before it exits, and skein waits for that), the `sleep` it started a moment later
    const inRoot = (pid: string) => {
      try {
        return readlinkSync(`/proc/${pid}/cwd`).startsWith(root);
      } catch {
        return false; // gone since pgrep saw it
      }
    };
    const sleeping = () => spawnSync("pgrep", ["-f", "sleep 30"], { encoding: "utf8" }).stdout.trim().split("\n").filter(Boolean).filter(inRoot);
    await waitFor(realClock(), () => sleeping().length === 0, 2_000, "the killed command to end");
    writeFileSync(join(root, "go"), "");
    const again = await run(root);
    assert.equal(again.code, 0, again.err);
    assert.match(again.err, /done, 1 rule ran/);
    assert.ok(existsSync(join(root, "slow")));
  });
}

test("run: `skein flow --json | head` — the reader going away stops the run cleanly (exit 1, one line for what it left undone, no stack trace) and a rerun finishes", { timeout: 60_000 }, async () => {
  const rules = Array.from({ length: 200 }, (_, i) => `s${i}:\n\tsleep 0.01; touch s${i}\n`).join("");
  const root = workspace({ "w.mf": rules });
  const child = spawn(process.execPath, [skein, "flow", "w.mf", "-j", "2", "--json", "--no-progress"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr!.on("data", (chunk) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (status) => resolve(status)));
  child.stdout!.once("data", () => child.stdout!.destroy()); // as `head -1` does after its line
  assert.equal(await exited, 1, err);
  assert.match(err, /skein flow: stopped: standard output was closed \(EPIPE\)\n$/);
  assert.doesNotMatch(err, /\n\s+at .*:\d+:\d+\)?$/m, "no stack trace");
  assert.doesNotMatch(err, /: waiting: /, "no line per rule taken back");
  assert.ok(err.split("\n").filter((line) => line.startsWith("skein flow: the run stopped with ")).length <= 1, `one line for the killed and queued rules:\n${err}`);
  const again = await run(root);
  assert.equal(again.code, 0, again.err);
  for (let i = 0; i < 200; i++) assert.ok(existsSync(join(root, `s${i}`)));
});

test("run: a missing workflow file is named, exit 1", async () => {
  const root = workspace({});
  const result = await run(root, { file: join(root, "nope.mf") });
  assert.equal(result.code, 1);
  assert.equal(result.err, `skein flow: ${join(root, "nope.mf")}: no such workflow file\n`);
});

test("run: a directory given as the workflow runs its Makeflow (as the acceptance's `skein flow examples/flow/<each>`); one without a Makeflow is named, exit 1", async () => {
  const root = workspace({});
  for (const [name, text] of [["ex", "out:\n\ttouch out\n"], ["empty", ""]] as const) {
    mkdirSync(join(root, name));
    if (text) writeFileSync(join(root, name, "Makeflow"), text);
  }
  writeFileSync(join(root, "empty", "w.mf"), "x:\n\ttouch x\n");
  const ran = await run(root, { file: join(root, "ex") });
  assert.equal(ran.code, 0, ran.err);
  assert.ok(existsSync(join(root, "ex", "out")), "its Makeflow ran, in its directory");
  assert.ok(existsSync(join(root, "ex", "Makeflow.skeinlog")), "its log is the Makeflow's");
  const again = await run(root, { file: join(root, "ex") });
  assert.match(again.err + again.out, /nothing to do/);
  const empty = await run(root, { file: join(root, "empty") });
  assert.deepEqual([empty.code, empty.err], [1, `skein flow: ${join(root, "empty")}: is a directory with no file named Makeflow in it; name the workflow file\n`]);
  assert.ok(!existsSync(join(root, "empty", "x")), "nothing ran");
});

test("run: a --dot file in a directory that is not there fails before any work, exit 1", async () => {
  const root = workspace({ "w.mf": "out:\n\ttouch out\n" });
  const dot = await run(root, { dotFile: join(root, "no", "g.dot") });
  assert.deepEqual([dot.code, dot.err], [1, `skein flow: --dot ${join(root, "no", "g.dot")}: no directory ${join(root, "no")}\n`]);
  const inFile = await run(root, { dotFile: join(root, "w.mf", "g.dot") });
  assert.deepEqual([inFile.code, inFile.err], [1, `skein flow: --dot ${join(root, "w.mf", "g.dot")}: ${join(root, "w.mf")} is not a directory\n`]);
  assert.ok(!existsSync(join(root, "out")), "nothing ran");
});

test("run: a --dot file that is a directory, or in a directory that cannot be written, fails before any work; one that becomes unwritable is reported after the run, whose work stays", async () => {
  const root = workspace({ "w.mf": "out:\n\trmdir gone; touch out\n" });
  mkdirSync(join(root, "g.dot")); // a directory where the file should go
  const directory = await run(root, { dotFile: join(root, "g.dot") });
  assert.deepEqual([directory.code, directory.err], [1, `skein flow: --dot ${join(root, "g.dot")}: is a directory\n`]);
  const readOnly = await run(root, { dotFile: "/proc/g.dot" });
  assert.deepEqual([readOnly.code, readOnly.err.replace(/\(\w+\)/, "(E…)")], [1, "skein flow: --dot /proc/g.dot: cannot write in /proc (E…)\n"]);
  assert.ok(!existsSync(join(root, "out")), "nothing ran");
  mkdirSync(join(root, "gone"));
  const result = await run(root, { dotFile: join(root, "gone", "g.dot") });
  assert.equal(result.code, 1);
  assert.match(result.err, /done, 1 rule ran\n.*--dot .*g\.dot: cannot write it \(ENOENT\); only the DOT is missing/s);
  assert.ok(existsSync(join(root, "out")));
});

test("run: a file under the log's name that is not a skein flow log stops the run and --clean, untouched, exit 1", async () => {
  const root = workspace({ "w.mf": "out:\n\ttouch out\n", "w.mf.skeinlog": "my notes\n" });
  for (const init of [{}, { clean: true }]) {
    const result = await run(root, init);
    assert.equal(result.code, 1);
    assert.match(result.err, /w\.mf\.skeinlog: not a skein flow log \(it starts "my notes", not "# skein-flow-log 1"\); move it away to start afresh\n$/);
  }
  assert.equal(readFileSync(join(root, "w.mf.skeinlog"), "utf8"), "my notes\n");
  assert.ok(!existsSync(join(root, "out")));
});

test("run: a directory under the log's name stops the run and --clean with a one-line error before anything, exit 1", async () => {
  // it was read as an empty log: --clean removed nothing, then failed with rm's "Path is a directory"
  const root = workspace({ "w.mf": "out:\n\ttouch out\n" });
  mkdirSync(join(root, "w.mf.skeinlog"));
  writeFileSync(join(root, "out"), "made earlier\n");
  for (const init of [{}, { clean: true }]) {
    const result = await run(root, init);
    assert.equal(result.code, 1);
    assert.match(result.err, /w\.mf\.skeinlog: it is a directory, not a skein flow log; move it away to start afresh\n$/);
  }
  assert.equal(readFileSync(join(root, "out"), "utf8"), "made earlier\n", "nothing ran and nothing was removed");
});

test("run: a workflow error prints file:line:column and exits non-zero", async () => {
  const root = workspace({ "w.mf": "a: missing-source\n\tcmd\n" });
  const result = await run(root);
  assert.equal(result.code, 1);
  assert.match(result.err, /w\.mf:1:4: source 'missing-source' is not made by any rule and does not exist/);
});

test("run: the JSON form runs like the Makeflow form", async () => {
  const root = workspace({
    "w.mf": JSON.stringify({ rules: [{ command: "echo json > out", outputs: ["out"] }, { command: "cp out copy", inputs: ["out"], outputs: ["copy"], local_job: true }] }),
  });
  assert.equal((await run(root)).code, 0);
  assert.equal(readFileSync(join(root, "copy"), "utf8"), "json\n");
});

test("run: -j 2 never runs more than two cores' worth at once, though the next tasks wait queued", async () => {
  // Each rule logs its start and end; a CORES=2 rule must run alone.
  const step = (name: string) => `${name}:\n\techo +${name} >> events; sleep 0.1; echo -${name} >> events; touch ${name}\n`;
  const text = ["p1", "p2", "p3", "p4", "p5"].map(step).join("") + `CATEGORY=wide\nCORES=2\n${step("w")}`;
  const root = workspace({ "w.mf": text });
  const result = await run(root, { jobs: 2 });
  assert.equal(result.code, 0, result.err);
  let running = 0;
  let most = 0;
  for (const event of readFileSync(join(root, "events"), "utf8").trim().split("\n")) {
    running += event.startsWith("+") ? 1 : -1;
    most = Math.max(most, running);
    if (event === "+w") assert.equal(running, 1, "the two-core rule runs alone");
  }
  assert.equal(most, 2);
});

test("run: --json says the port workers connect to (-p 0 picks one), after the run's started event, and a master without a password warns that anyone may join; an empty workflow says it has no rules", async () => {
  const root = workspace({ "w.mf": "out:\n\tLOCAL touch out\n" });
  const heard: number[] = [];
  const result = await run(root, { json: true, target: "workers", port: 0, onListening: (port) => heard.push(port) });
  assert.equal(result.code, 0, result.err);
  const events = result.out.trim().split("\n").map((line) => JSON.parse(line));
  const listening = events.filter((e) => e.state === "listening");
  assert.equal(listening.length, 1, result.out);
  assert.ok(Number.isInteger(listening[0].port) && listening[0].port > 0, result.out);
  assert.deepEqual(heard, [listening[0].port], "the caller's own onListening still hears it");
  assert.ok(events.indexOf(listening[0]) > events.findIndex((e) => e.state === "started" && e.rule === undefined));
  assert.match(result.err, new RegExp(`^skein flow: no --password-file: any host that reaches port ${listening[0].port} can join as a worker, receive the workflow's input files and send back outputs$`, "m"));
  const guarded = await run(root, { target: "workers", port: 0, password: "secret" });
  assert.equal(guarded.code, 0, guarded.err);
  assert.doesNotMatch(guarded.err, /password/, "with a password, nothing to warn of");
  const empty = workspace({ "w.mf": "# nothing yet\n" });
  const nothing = await run(empty, {});
  assert.deepEqual([nothing.code, nothing.err], [0, "skein flow: nothing to do, the workflow has no rules\n"]);
});
