import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { launcherCSources, launcherProgram, launcherSourceKey, launcherSourcesText, launcherUnusedMaxMs } from "./launcher-program.ts";
import { type CommandExit, ProcessLauncher } from "./process-launcher.ts";

test("launcher: building one removes launchers of other sources unused for a month, and old partial builds; recent ones stay", (t) => {
  if (spawnSync(process.env.CC ?? "cc", ["--version"], { stdio: "ignore" }).status !== 0) {
    t.skip("no C compiler on this machine");
    return;
  }
  const cacheHome = mkdtempSync(join(tmpdir(), "skein-launcher-cache-"));
  const previous = process.env.XDG_CACHE_HOME;
  try {
    const directory = join(cacheHome, "skein");
    mkdirSync(directory, { recursive: true });
    const suffix = `${process.platform}-${process.arch}`;
    const aged = (name: string, ageMs: number) => {
      const path = join(directory, name);
      writeFileSync(path, "an old build");
      const when = (Date.now() - ageMs) / 1000;
      utimesSync(path, when, when);
    };
    aged(`flow-launcher-00000000aaaaaaaa-${suffix}`, launcherUnusedMaxMs + 60_000);
    aged(`flow-launcher-00000000bbbbbbbb-${suffix}`, 24 * 3600 * 1000);
    aged(`flow-launcher-00000000cccccccc-${suffix}.123.tmp`, 2 * 3600 * 1000);
    aged(`flow-launcher-00000000dddddddd-${suffix}.456.tmp`, 60_000);
    aged("bundle-flow-v0-x64-1-1.v8cache", launcherUnusedMaxMs + 60_000);
    process.env.XDG_CACHE_HOME = cacheHome;
    const program = launcherProgram("c");
    assert.ok(program && existsSync(program.command), "the launcher was built");
    const left = readdirSync(directory).sort();
    assert.ok(!left.includes(`flow-launcher-00000000aaaaaaaa-${suffix}`), "unused for a month: removed");
    assert.ok(left.includes(`flow-launcher-00000000bbbbbbbb-${suffix}`), "built a day ago: kept");
    assert.ok(!left.includes(`flow-launcher-00000000cccccccc-${suffix}.123.tmp`), "a partial build from hours ago: removed");
    assert.ok(left.includes(`flow-launcher-00000000dddddddd-${suffix}.456.tmp`), "a build in progress: kept");
    assert.ok(left.includes("bundle-flow-v0-x64-1-1.v8cache"), "not a launcher: kept");
  } finally {
    if (previous === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = previous;
    rmSync(cacheHome, { recursive: true, force: true });
  }
});

/** Runs one command through a launcher of `kind`; its exit and the warnings said. */
async function runOne(root: string, command: string): Promise<{ exit: CommandExit; warnings: string[] }> {
  const warnings: string[] = [];
  let ended: (exit: CommandExit) => void = () => {};
  const exited = new Promise<CommandExit>((resolve) => (ended = resolve));
  const launcher = new ProcessLauncher({ directory: root, stdout: "ignore", kind: "c", exited: (_id, exit) => ended(exit), warn: (message) => warnings.push(message) });
  try {
    launcher.run({ id: 1, command, environment: {} });
    const timeout = new Promise<CommandExit>((_, reject) => setTimeout(() => reject(new Error("no exit reported in 30 s")), 30_000));
    return { exit: await Promise.race([exited, timeout]), warnings };
  } finally {
    await launcher.close();
  }
}

test("launcher: a broken cached C launcher (truncated, or exiting at once) is removed and rebuilt once, then Perl takes over, with a one-line warning; the command runs", async (t) => {
  if (spawnSync(process.env.CC ?? "cc", ["--version"], { stdio: "ignore" }).status !== 0) return t.skip("no C compiler on this machine");
  if (spawnSync("perl", ["-e", "exit 0"], { stdio: "ignore" }).status !== 0) return t.skip("no perl on this machine");
  const cacheHome = mkdtempSync(join(tmpdir(), "skein-launcher-cache-"));
  const previous = process.env.XDG_CACHE_HOME;
  try {
    process.env.XDG_CACHE_HOME = cacheHome;
    const binary = launcherProgram("c")!.command;
    const size = statSync(binary).size;
    writeFileSync(binary, readFileSync(binary).subarray(0, 3000)); // a build cut short: the file is there
    const truncated = await runOne(cacheHome, "touch made-1");
    assert.deepEqual(truncated.exit, { code: 0, signal: null, durationMs: truncated.exit.durationMs }, truncated.warnings.join("\n"));
    assert.ok(existsSync(join(cacheHome, "made-1")));
    assert.equal(truncated.warnings.length, 1);
    assert.match(truncated.warnings[0]!, /^skein flow: the C launcher .*flow-launcher-\S+ is broken \((killed by SIG\w+ \(signal \d+\)|exit code \d+) before it answered\); rebuilt it \(/);
    assert.equal(statSync(binary).size, size, "rebuilt whole");
    writeFileSync(binary, "#!/bin/sh\nexit 0\n"); // runs, and exits at once
    chmodSync(binary, 0o755);
    const exiting = await runOne(cacheHome, "touch made-2");
    assert.equal(exiting.exit.code, 0, exiting.warnings.join("\n"));
    assert.ok(existsSync(join(cacheHome, "made-2")));
    assert.deepEqual(exiting.warnings, [`skein flow: the C launcher ${binary} is broken (exit code 0 before it answered); using the Perl launcher instead`], "rebuilt once per process: then Perl");
    assert.ok(!existsSync(binary), "removed: the next run builds it again");
  } finally {
    if (previous === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = previous;
    rmSync(cacheHome, { recursive: true, force: true });
  }
});

test("launcher: the cached C launcher is keyed on every source it is built from (launcher.c, launcher-process.c, launcher.h), each within 400 lines", (t) => {
  if (spawnSync(process.env.CC ?? "cc", ["--version"], { stdio: "ignore" }).status !== 0) return t.skip("no C compiler on this machine");
  const cacheHome = mkdtempSync(join(tmpdir(), "skein-launcher-cache-"));
  const previous = process.env.XDG_CACHE_HOME;
  try {
    process.env.XDG_CACHE_HOME = cacheHome;
    const read = (name: string) => readFileSync(new URL(`./${name}`, import.meta.url), "latin1");
    const key = launcherSourceKey(launcherSourcesText(read));
    assert.equal(launcherProgram("c")!.command, join(cacheHome, "skein", `flow-launcher-${key}-${process.platform}-${process.arch}`));
    for (const name of launcherCSources) {
      assert.notEqual(launcherSourceKey(launcherSourcesText((other) => (other === name ? `${read(other)} ` : read(other)))), key, `${name} is in the key`);
      assert.ok(read(name).split("\n").length <= 401, `${name}: ${read(name).split("\n").length - 1} lines`);
    }
  } finally {
    if (previous === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = previous;
    rmSync(cacheHome, { recursive: true, force: true });
  }
});
