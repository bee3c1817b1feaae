import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { launcherProgram, launcherUnusedMaxMs } from "./launcher-program.ts";

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
