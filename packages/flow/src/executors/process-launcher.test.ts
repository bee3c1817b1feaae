import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { processIsRunning } from "@skein/testkit";
import { launcherProgram } from "./launcher-program.ts";
import { type CommandExit, ProcessLauncher } from "./process-launcher.ts";
import { temporaryDirectories } from "../../test/temporary.ts";

const temporary = temporaryDirectories("skein-launcher-");
const skein = new URL("../../../cli/bin/skein.js", import.meta.url).pathname;
const kinds = ["c", "perl", "node"] as const;
/** Why a launcher cannot be tested here, or undefined. */
const missing = (kind: (typeof kinds)[number]) => (kind === "node" || launcherProgram(kind) ? undefined : `no ${kind === "c" ? "C compiler" : "perl"} on this machine`);

/** An exit without its measured run time. */
const bare = (exit: CommandExit | undefined) => exit && { code: exit.code, signal: exit.signal };

/** Runs commands through one launcher; resolves with each exit by id. */
function runAll(kind: (typeof kinds)[number], directory: string, commands: Array<{ command: string; environment?: Record<string, string>; directory?: string; output?: string }>): Promise<Map<number, CommandExit>> {
  return new Promise((resolve) => {
    const exits = new Map<number, CommandExit>();
    const launcher = new ProcessLauncher({
      directory,
      stdout: "ignore",
      kind,
      exited: (id, exit) => {
        exits.set(id, exit);
        if (exits.size === commands.length) {
          launcher.close();
          resolve(exits);
        }
      },
    });
    for (const [id, c] of commands.entries()) launcher.run({ id, command: c.command, environment: c.environment ?? {}, directory: c.directory, output: c.output });
  });
}

for (const kind of kinds) {
  test(`launcher (${kind}): runs commands at once, with their environment and directory, and reports exits`, { skip: missing(kind) }, async () => {
    const root = temporary();
    mkdirSync(join(root, "sub"));
    const commands = [
      { command: "touch plain" },
      { command: "echo $GREETING > greeting", environment: { GREETING: "hello world" } },
      { command: "exit 3" },
      { command: "kill -9 $$" },
      { command: "no-such-program-skein" },
      { command: "pwd > here", directory: join(root, "sub") },
      ...Array.from({ length: 40 }, (_, i) => ({ command: `touch many${i}` })),
    ];
    const exits = await runAll(kind, root, commands);
    assert.deepEqual(bare(exits.get(0)), { code: 0, signal: null });
    assert.equal(readFileSync(join(root, "greeting"), "utf8"), "hello world\n");
    assert.equal(exits.get(2)!.code, 3);
    assert.equal(exits.get(3)!.code, null);
    assert.match(String(exits.get(3)!.signal), /9|SIGKILL/);
    assert.equal(exits.get(4)!.code, 127);
    assert.equal(readFileSync(join(root, "sub", "here"), "utf8").trim(), join(root, "sub"));
    for (let i = 0; i < 40; i++) assert.ok(existsSync(join(root, `many${i}`)));
  });
}

for (const kind of kinds) {
  test(`launcher (${kind}): with a cores limit, later requests wait in order and a killed waiting one never runs`, { skip: missing(kind) }, async () => {
    const root = temporary();
    // Each command logs its start and end; the log shows how many ran at once.
    const step = (name: string) => `echo "+${name}" >> events; sleep 0.15; echo "-${name}" >> events`;
    const exits = new Map<number, CommandExit>();
    const finished = new Promise<void>((resolve) => {
      const launcher = new ProcessLauncher({
        directory: root,
        stdout: "ignore",
        kind,
        coresMax: 2,
        exited: (id, exit) => {
          exits.set(id, exit);
          if (exits.size === 5) {
            launcher.close();
            resolve();
          }
        },
      });
      launcher.run({ id: 0, command: step("a"), environment: {} });
      launcher.run({ id: 1, command: step("b"), environment: {} });
      launcher.run({ id: 2, command: step("wide"), environment: {}, cores: 4 }); // more than all: runs alone
      launcher.run({ id: 3, command: step("killed"), environment: {} });
      launcher.run({ id: 4, command: step("c"), environment: {} });
      launcher.run({ id: 5, command: step("d"), environment: {} });
      launcher.kill(3);
    });
    await finished;
    assert.deepEqual([...exits.keys()].sort(), [0, 1, 2, 4, 5]);
    for (const exit of exits.values()) assert.deepEqual(bare(exit), { code: 0, signal: null });
    const events = readFileSync(join(root, "events"), "utf8").trim().split("\n");
    let running = 0;
    let most = 0;
    const order: string[] = [];
    for (const event of events) {
      running += event.startsWith("+") ? 1 : -1;
      most = Math.max(most, running);
      if (event.startsWith("+")) order.push(event.slice(1));
      if (event === "+wide") assert.equal(running, 1, "the wide command runs alone");
    }
    assert.equal(most, 2, `at most 2 at once: ${events.join(" ")}`);
    // a and b start together (in either order), then wide alone, then c and d together.
    assert.deepEqual([order.slice(0, 2).sort(), order[2], order.slice(3).sort()], [["a", "b"], "wide", ["c", "d"]]);
    assert.ok(!order.includes("killed"), "a request killed while waiting never starts");
  });
}

for (const kind of kinds) {
  test(`launcher (${kind}): a request's output file receives stdout and stderr, for simple and shell commands`, { skip: missing(kind) }, async () => {
    const root = temporary();
    mkdirSync(join(root, "sub"));
    writeFileSync(join(root, "old"), "stale text that must be truncated\n");
    const exits = await runAll(kind, root, [
      { command: "echo out; echo err >&2; exit 4", output: join(root, "old") },
      { command: "ls no-such-file-skein", output: join(root, "simple"), directory: join(root, "sub") },
      { command: "true", output: join(root, "no-such-dir", "x") },
    ]);
    assert.equal(exits.get(0)!.code, 4);
    assert.equal(readFileSync(join(root, "old"), "utf8"), "out\nerr\n");
    assert.notEqual(exits.get(1)!.code, 0);
    assert.match(readFileSync(join(root, "simple"), "utf8"), /no-such-file-skein/);
    assert.equal(exits.get(2)!.code, 126, "an output file that cannot be opened fails the command");
  });
}

for (const kind of kinds) {
  test(`launcher (${kind}): a 1 MB command line runs (longer than the kernel takes as one argument)`, { skip: missing(kind) }, async () => {
    const root = temporary();
    const word = "y".repeat(1_000_000);
    const exits = await runAll(kind, root, [
      { command: `printf %s ${word} | wc -c > count; test "$(printf %s ${word} | cut -c1-3)" = yyy` },
      { command: `echo ${word.slice(0, 200_000)} > long-simple` }, // no shell syntax: would be exec'd directly
    ]);
    assert.deepEqual(bare(exits.get(0)), { code: 0, signal: null });
    assert.equal(readFileSync(join(root, "count"), "utf8").trim(), "1000000");
    assert.deepEqual(bare(exits.get(1)), { code: 0, signal: null });
    assert.equal(readFileSync(join(root, "long-simple"), "utf8").length, 200_001);
    assert.deepEqual(readdirSync(tmpdir()).filter((name) => name.startsWith("skein-commands-")).filter((name) => readdirSync(join(tmpdir(), name)).some((f) => /^[01]\.sh$/.test(f))), [], "script files are removed when their commands end");
  });
}

for (const kind of ["c", "perl"] as const) {
  test(`launcher (${kind}): when the master is killed with -9, its running commands die too`, { skip: missing(kind) }, async () => {
    const root = temporary();
    writeFileSync(join(root, "w.mf"), "out:\n\techo $$$$ > pid; exec sleep 60\n");
    const master = spawn(process.execPath, [skein, "flow", "w.mf", "--no-progress"], { cwd: root, stdio: "ignore", env: { ...process.env, SKEIN_FLOW_LAUNCHER: kind } });
    const pidFile = join(root, "pid");
    const deadlineMs = performance.now() + 60_000;
    while (!existsSync(pidFile) || readFileSync(pidFile, "utf8").trim() === "") {
      assert.ok(performance.now() < deadlineMs, "the command never started");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const pid = Number(readFileSync(pidFile, "utf8"));
    assert.ok(processIsRunning(pid), "the command runs");
    master.kill("SIGKILL");
    while (processIsRunning(pid)) {
      assert.ok(performance.now() < deadlineMs, `command ${pid} outlived its master`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
}

test("launcher (c): reports how long each command ran, queueing not counted, in batches while enough is queued", { skip: missing("c") }, async () => {
  const root = temporary();
  const batches: number[] = [];
  let inBatch = 0;
  const exits = new Map<number, CommandExit>();
  const count = 6;
  await new Promise<void>((resolve) => {
    const launcher = new ProcessLauncher({
      directory: root,
      stdout: "ignore",
      kind: "c",
      coresMax: 1,
      holdReports: 2,
      batch: (report) => {
        inBatch = 0;
        report();
        batches.push(inBatch);
      },
      exited: (id, exit) => {
        inBatch++;
        exits.set(id, exit);
        if (exits.size === count) {
          launcher.close();
          resolve();
        }
      },
    });
    for (let id = 0; id < count; id++) launcher.run({ id, command: "sleep 0.2", environment: {} });
  });
  assert.equal(batches.reduce((a, b) => a + b, 0), count, "every report is delivered inside a batch");
  for (const exit of exits.values()) {
    assert.equal(exit.code, 0);
    // each ran about 0.2 s; the last waited about 1 s in the queue, which is not counted
    assert.ok(exit.durationMs !== undefined && exit.durationMs >= 150 && exit.durationMs < 900, `ran ${exit.durationMs} ms`);
  }
});

test("launcher (c): a program remembered from PATH that is then removed is found again on PATH", { skip: missing("c") }, async () => {
  const root = temporary();
  const [first, second] = [join(root, "first"), join(root, "second")];
  mkdirSync(first);
  mkdirSync(second);
  const program = (dir: string, marker: string) => writeFileSync(join(dir, "skein-path-probe"), `#!/bin/sh\necho ${marker} >> "$1"\n`, { mode: 0o755 });
  program(first, "first");
  const savedPath = process.env.PATH;
  process.env.PATH = `${first}:${second}:${savedPath}`;
  try {
    const log = join(root, "log");
    const exits: CommandExit[] = [];
    let onExit: () => void = () => {};
    const next = () => new Promise<void>((resolve) => (onExit = resolve));
    const launcher = new ProcessLauncher({
      directory: root,
      stdout: "ignore",
      kind: "c",
      coresMax: 1,
      exited: (_, exit) => {
        exits.push(exit);
        onExit();
      },
    });
    let ended = next();
    launcher.run({ id: 1, command: `skein-path-probe ${log}`, environment: {} });
    await ended;
    rmSync(join(first, "skein-path-probe"));
    program(second, "second");
    ended = next();
    launcher.run({ id: 2, command: `skein-path-probe ${log}`, environment: {} });
    await ended;
    launcher.close();
    assert.deepEqual(exits.map(bare), [{ code: 0, signal: null }, { code: 0, signal: null }]);
    assert.equal(readFileSync(log, "utf8"), "first\nsecond\n");
  } finally {
    process.env.PATH = savedPath;
  }
});

for (const kind of kinds) {
  test(`launcher (${kind}): a simple command is looked up on the PATH its own environment sets`, { skip: missing(kind) }, async () => {
    const root = temporary();
    const bin = join(root, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "skein-own-path-probe"), '#!/bin/sh\ntouch "$1"\n', { mode: 0o755 });
    // without #!: the kernel refuses it (ENOEXEC) and it runs under /bin/sh, as execvp does
    writeFileSync(join(bin, "skein-no-shebang-probe"), 'touch "$1"\n', { mode: 0o755 });
    const environment = { PATH: `${bin}:${process.env.PATH}` };
    const exits = await runAll(kind, root, [
      { command: "skein-own-path-probe made", environment },
      { command: "skein-no-shebang-probe made-too", environment },
      { command: "skein-own-path-probe never" },
    ]);
    assert.deepEqual(bare(exits.get(0)), { code: 0, signal: null });
    assert.deepEqual(bare(exits.get(1)), { code: 0, signal: null });
    assert.equal(exits.get(2)!.code, 127, "not on the launcher's own PATH");
    assert.ok(existsSync(join(root, "made")) && existsSync(join(root, "made-too")));
  });
}

for (const kind of ["c", "perl"] as const) {
  test(`launcher (${kind}): a launcher that dies under its commands reports each as lost, naming how it died, and its commands and their children die too`, { skip: missing(kind), timeout: 30_000 }, async () => {
    const root = temporary();
    const ended = new Promise<CommandExit>((resolve) => {
      const launcher = new ProcessLauncher({ directory: root, stdout: "ignore", kind, exited: (_id, exit) => resolve(exit) });
      launcher.run({ id: 7, command: "sleep 31.25 & sleep 31.25; wait", environment: {} });
    });
    const pgrep = (args: string[]) => spawnSync("pgrep", args, { encoding: "utf8" }).stdout.trim().split("\n").filter(Boolean);
    const sleeps = () => pgrep(["-f", "^sleep 31.25$"]).map(Number).filter(processIsRunning);
    const deadline = performance.now() + 10_000;
    let launcherPid: string | undefined;
    while (performance.now() < deadline && (launcherPid === undefined || sleeps().length < 2)) {
      launcherPid = pgrep(["-P", String(process.pid), "-f", kind === "c" ? "flow-launcher" : "launcher.pl"])[0];
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.ok(launcherPid, "the launcher runs");
    const orphans = sleeps();
    assert.equal(orphans.length, 2, "the command and its background child run");
    process.kill(Number(launcherPid), "SIGKILL");
    const exit = await ended;
    assert.deepEqual(exit, { code: null, signal: null, lost: "the launcher process died (killed by SIGKILL (signal 9)) while the command ran" });
    // killed before the loss is reported; a SIGKILLed process may take a moment to be gone
    while (orphans.some(processIsRunning) && performance.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    const survivors = orphans.filter(processIsRunning);
    for (const pid of survivors) process.kill(pid, "SIGKILL");
    assert.deepEqual(survivors, [], "no command outlives its launcher");
  });
}

for (const kind of kinds) {
  test(`launcher (${kind}): a simple command of more words than the launcher execs directly gets every word`, { skip: missing(kind) }, async () => {
    const root = temporary();
    const names = Array.from({ length: 5_000 }, (_, i) => `f${i}`);
    const exits = await runAll(kind, root, [{ command: `touch ${names.join(" ")}` }]);
    assert.deepEqual(bare(exits.get(0)), { code: 0, signal: null });
    assert.equal(readdirSync(root).filter((name) => name.startsWith("f")).length, 5_000);
  });
}

for (const kind of kinds) {
  test(`launcher (${kind}): requests of one turn larger than the launcher's input takes at once (4 MB) reach it whole and in order`, { skip: missing(kind), timeout: 30_000 }, async () => {
    const root = temporary();
    // 40 requests of 100 KB each: the first write fills the socket (a short write), the rest
    // follows through the stream; a request cut or reordered fails its check
    const commands = Array.from({ length: 40 }, (_, i) => ({ command: `[ \${#BIG} -eq 100000 ] && [ "$ID" = ${i} ] && touch ok${i}`, environment: { BIG: String(i % 10).repeat(100_000), ID: String(i) } }));
    const exits = await runAll(kind, root, commands);
    for (let id = 0; id < 40; id++) assert.deepEqual(bare(exits.get(id)), { code: 0, signal: null }, `request ${id}`);
    assert.equal(readdirSync(root).filter((name) => name.startsWith("ok")).length, 40);
  });
}

for (const kind of kinds) {
  test(`launcher (${kind}): a command of few characters but many UTF-8 bytes (50 000 × '€', 150 KB) runs`, { skip: missing(kind) }, async () => {
    const root = temporary();
    const exits = await runAll(kind, root, [{ command: `printf %s ${"€".repeat(50_000)} > euros` }]);
    assert.deepEqual(bare(exits.get(0)), { code: 0, signal: null });
    assert.equal(readFileSync(join(root, "euros"), "utf8"), "€".repeat(50_000));
  });
}

for (const kind of kinds) {
  test(`launcher (${kind}): a program that is not found says so on the command's standard error, as a shell would`, { skip: missing(kind) }, async () => {
    const root = temporary();
    const exits = await runAll(kind, root, [
      { command: "no-such-program-skein arg", output: join(root, "simple") },
      { command: "true", output: join(root, "no-such-dir", "x") },
    ]);
    assert.equal(exits.get(0)!.code, 127);
    assert.match(readFileSync(join(root, "simple"), "utf8"), /no-such-program-skein: (command )?not found\n/);
    assert.equal(exits.get(1)!.code, 126);
  });
}

for (const kind of ["c", "perl"] as const) {
  test(`launcher (${kind}): when the master and its launcher are killed with -9 together, the commands and their children die too`, { skip: missing(kind), timeout: 60_000 }, async () => {
    const root = temporary();
    writeFileSync(join(root, "w.mf"), "out:\n\techo $$$$ > pid; sleep 301.5 & echo $$! > child; wait\n");
    const master = spawn(process.execPath, [skein, "flow", "w.mf", "--no-progress"], { cwd: root, stdio: "ignore", env: { ...process.env, SKEIN_FLOW_LAUNCHER: kind } });
    const deadlineMs = performance.now() + 50_000;
    const pidIn = (name: string) => (existsSync(join(root, name)) ? Number(readFileSync(join(root, name), "utf8")) || undefined : undefined);
    while (pidIn("pid") === undefined || pidIn("child") === undefined) {
      assert.ok(performance.now() < deadlineMs, "the command never started");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const commands = [pidIn("pid")!, pidIn("child")!];
    const parentOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[1]);
    const launcher = parentOf(commands[0]!);
    const node = parentOf(launcher); // the master's Node process (bin/skein may run it as its child)
    assert.ok(commands.every(processIsRunning), "the commands run");
    process.kill(node, "SIGSTOP"); // the master cannot act: only the guardian is left to
    process.kill(launcher, "SIGKILL");
    process.kill(node, "SIGKILL");
    master.kill("SIGKILL");
    const goneByMs = performance.now() + 10_000; // the commands sleep far longer
    while (commands.some(processIsRunning) && performance.now() < goneByMs) await new Promise((resolve) => setTimeout(resolve, 20));
    const survivors = commands.filter(processIsRunning);
    for (const pid of survivors) process.kill(pid, "SIGKILL");
    assert.deepEqual(survivors, [], "no command outlives its master and launcher");
  });
}
