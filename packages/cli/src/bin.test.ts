// bin/skein, the command npm links: it starts flow/worker/ftsh without NODE_EXTRA_CA_CERTS
// (Node would load every certificate first), and the commands a workflow runs still see it.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { launcherSourceKey, launcherSourcesText } from "@skein/flow";

const bin = new URL("../bin/skein", import.meta.url).pathname;
const echoScenario = new URL("../../../examples/echo/scenario.ts", import.meta.url).pathname;

/** packages/cli/dist/ when the build made `file` there; otherwise skips the test and gives undefined. */
function builtDist(t: TestContext, file: string): string | undefined {
  const dist = new URL("../dist/", import.meta.url).pathname;
  if (existsSync(join(dist, file))) return dist;
  t.skip("no bundle built (npm run prepare)");
  return undefined;
}

for (const value of ["/no/such/bundle.pem", ""]) {
  test(`bin/skein: a workflow's commands see NODE_EXTRA_CA_CERTS unchanged (${JSON.stringify(value)}), the master starts without it`, () => {
    const root = mkdtempSync(join(tmpdir(), "skein-bin-"));
    try {
      // A file that does not exist makes Node warn at start-up if it tries to load it.
      // `\$` passes the dollar to the shell: the command reads its own environment.
      writeFileSync(join(root, "w.mf"), 'seen:\n\techo "[\\$NODE_EXTRA_CA_CERTS][`printenv SKEIN_NODE_EXTRA_CA_CERTS || echo unset`]" > seen\n');
      const result = spawnSync(bin, ["flow", "w.mf", "--no-progress"], { cwd: root, encoding: "utf8", env: { ...process.env, NODE_EXTRA_CA_CERTS: value } });
      assert.equal(result.status, 0, result.stderr);
      assert.equal(readFileSync(join(root, "seen"), "utf8"), `[${value}][unset]\n`);
      assert.doesNotMatch(result.stderr, /extra certs|NODE_EXTRA_CA_CERTS/i, "the master did not load them");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

test("bin/skein: other commands start with NODE_EXTRA_CA_CERTS as given", () => {
  const result = spawnSync(bin, ["--help"], { encoding: "utf8", env: { ...process.env, NODE_EXTRA_CA_CERTS: "/no/such/bundle.pem" } });
  assert.equal(result.status, 0);
  assert.match(result.stderr, /extra certs/i, "Node warns that it could not load the missing file: it was not set aside");
});

for (const [command, args, problem] of [
  ["flow", ["w.mf", "-T", "workers", "--password-file", "/no/such/password"], "password file /no/such/password: no such file"],
  ["worker", ["127.0.0.1:1", "--password-file", "/no/such/password"], "password file /no/such/password: no such file"],
  ["worker", ["127.0.0.1:1", "--password-file", "/dev/null"], "password file /dev/null is empty"],
  ["flow", ["w.mf", "-T", "workers", "--tls-cert", "/dev/null"], "TLS needs --tls-cert, --tls-key and --tls-ca together (missing: --tls-key, --tls-ca)"],
  ["flow", ["w.mf", "--tls-cert", "/dev/null", "--tls-key", "/dev/null", "--tls-ca", "/dev/null"], "--tls-cert, --tls-key, --tls-ca are for -T workers, not -T local"],
  ["worker", ["127.0.0.1:1", "--tls-cert", "/no/such/cert", "--tls-key", "/dev/null", "--tls-ca", "/dev/null"], "--tls-cert: cannot read /no/such/cert (ENOENT)"],
  ["worker", ["127.0.0.1:1", "--workdir", "/proc/self/skein-work"], "--workdir /proc/self/skein-work: cannot make this directory (ENOENT)"],
  ["worker", ["127.0.0.1:1", "--workdir", "/dev/null"], "--workdir /dev/null: cannot make this directory (ENOTDIR)"],
  ["run", [echoScenario, "--local", "2", "--record", "/proc/self/skein-rec"], "--record /proc/self/skein-rec: cannot make this directory (ENOENT)"],
  ["run", [echoScenario, "--local", "2", "--data", "/dev/null/data"], "--data /dev/null/data: cannot make this directory (ENOTDIR)"],
] as const) {
  test(`bin/skein: '${command} ${args.join(" ")}' says what is wrong with a file or directory it was given, exit 2, no stack trace`, () => {
    const result = spawnSync(bin, [command, ...args], { encoding: "utf8" });
    assert.equal(result.status, 2, result.stderr);
    assert.ok(result.stderr.startsWith(`skein ${command}: ${problem}\n`), result.stderr);
    assert.doesNotMatch(result.stderr, /\n\s+at .*:\d+:\d+\)?$/m, "no stack trace");
  });
}

for (const [command, args] of [["flow", ["w.mf", "--no-such-option"]], ["worker", ["127.0.0.1:1", "--cores"]], ["sim", ["--no-such-option"]]] as const) {
  test(`bin/skein: '${command} ${args.join(" ")}' names the bad option on one line and says where the usage is, exit 2, no stack trace`, () => {
    const result = spawnSync(bin, [command, ...args], { encoding: "utf8" });
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`^skein ${command}: [^\n]*'${args[args.length - 1]}[^\n]*\nTry 'skein ${command} --help' for more information\\.\n$`));
    assert.doesNotMatch(result.stderr, /\n\s+at .*:\d+:\d+\)?$/m, "no stack trace");
  });
}

test("bin/skein: the first flow run (under --no-rehash-snapshot) saves V8's code cache; a corrupt one is refused, rewritten, and the run is unaffected", (t) => {
  const root = mkdtempSync(join(tmpdir(), "skein-bin-cache-"));
  try {
    const cacheHome = join(root, "cache");
    const env = { ...process.env, XDG_CACHE_HOME: cacheHome };
    const run = (target: string) => {
      writeFileSync(join(root, "w.mf"), `${target}:\n\ttouch ${target}\n`);
      const result = spawnSync(bin, ["flow", "w.mf", "--no-progress"], { cwd: root, encoding: "utf8", env });
      assert.equal(result.status, 0, result.stderr);
      assert.ok(existsSync(join(root, target)));
    };
    const caches = () => readdirSync(join(cacheHome, "skein")).filter((name) => name.startsWith("bundle-flow-") && name.endsWith(".v8cache"));
    // what a writer killed mid-write leaves, and a cache named as earlier versions named them:
    // both removed when a cache is written
    const partial = join(cacheHome, "skein", "bundle-flow-v0-x64-1-1.v8cache.999.tmp");
    const oldName = join(cacheHome, "skein", "bundle-flow.fixed-seed-v0-x64-1-1.v8cache");
    mkdirSync(join(cacheHome, "skein"), { recursive: true });
    writeFileSync(partial, "half a cache");
    writeFileSync(oldName, "an old cache");
    run("first");
    const [cache] = caches();
    if (cache === undefined) {
      t.skip("skein ran from its sources (the bundle is older than a source file: npm run prepare)");
      return;
    }
    const path = join(cacheHome, "skein", cache);
    assert.ok(statSync(path).size > 10_000, "it holds compiled code");
    assert.ok(!existsSync(partial), "the partial cache was removed");
    assert.ok(!existsSync(oldName), "the cache under an earlier name was removed");
    writeFileSync(path, "not a code cache");
    run("second");
    assert.deepEqual(caches(), [cache]);
    assert.ok(statSync(path).size > 10_000, "the refused cache was written again");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("bin/skein: flow starts without a rehash, then puts V8's default flags back, so Node's built-in code caches are used", (t) => {
  if (builtDist(t, "standalone.inputs.json") === undefined) return;
  const root = mkdtempSync(join(tmpdir(), "skein-bin-flags-"));
  try {
    writeFileSync(join(root, "w.mf"), "out:\n\ttouch out\n");
    // Node reports on every built-in module whether V8 took its code cache
    const result = spawnSync(bin, ["flow", "w.mf", "--no-progress"], { cwd: root, encoding: "utf8", env: { ...process.env, NODE_DEBUG_NATIVE: "CODE_CACHE" } });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /Code cache of child_process \(\w+\) is accepted/);
    const refused = [...result.stderr.matchAll(/Code cache of (\S+) \(\w+\) is rejected/g)].map((match) => match[1]);
    // only the module Node itself runs before skein.cjs, and what loads after `skein flow`
    // raised its optimisation budget (src/optimisation-budget.ts)
    assert.ok(refused.length <= 3, `refused: ${refused.join(" ")}`);
    assert.doesNotMatch(result.stderr, /DeprecationWarning/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("bin/skein.cjs: the bundle runs while it is newer than every source it was built from, and only those", (t) => {
  const dist = builtDist(t, "standalone.inputs.json");
  if (dist === undefined) return;
  // A copy of the layout skein.cjs expects (packages/cli/{bin,dist}, sources under packages/),
  // without the TypeScript sources: a run that falls back to them fails to find src/main.ts.
  const root = mkdtempSync(join(tmpdir(), "skein-bin-fresh-"));
  try {
    const packages = join(root, "packages");
    for (const directory of ["cli/bin", "cli/dist", "flow/src"]) mkdirSync(join(packages, directory), { recursive: true });
    copyFileSync(new URL("../bin/skein.cjs", import.meta.url), join(packages, "cli/bin/skein.cjs"));
    copyFileSync(join(dist, "standalone.cjs"), join(packages, "cli/dist/standalone.cjs"));
    writeFileSync(join(packages, "flow/src/used.ts"), "");
    writeFileSync(join(packages, "flow/src/used.test.ts"), "");
    writeFileSync(join(packages, "cli/dist/standalone.inputs.json"), JSON.stringify(["flow/src/used.ts"]));
    const past = new Date(Date.now() - 60_000);
    for (const file of ["flow/src/used.ts", "flow/src/used.test.ts"]) utimesSync(join(packages, file), past, past);
    const env = { ...process.env, XDG_CACHE_HOME: join(root, "cache") };
    writeFileSync(join(root, "script.ftsh"), "echo from-the-bundle\n");
    const ftsh = () => spawnSync(process.execPath, [join(packages, "cli/bin/skein.cjs"), "ftsh", join(root, "script.ftsh")], { encoding: "utf8", env });
    assert.equal(ftsh().stdout, "from-the-bundle\n", "fresh: the bundle runs");
    const future = new Date(Date.now() + 60_000);
    utimesSync(join(packages, "flow/src/used.test.ts"), future, future);
    assert.equal(ftsh().stdout, "from-the-bundle\n", "a file the bundle was not built from does not matter");
    utimesSync(join(packages, "flow/src/used.ts"), future, future);
    const fallBack = ftsh();
    assert.notEqual(fallBack.status, 0);
    assert.match(fallBack.stderr, /main\.ts|tsx/, "an edited input: the sources run");
    rmSync(join(packages, "flow/src/used.ts"));
    assert.notEqual(ftsh().status, 0, "a removed input: the sources run");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("dist/launcher.c.key names the launcher source beside it, as flow computes it from the sources", (t) => {
  const dist = builtDist(t, "launcher.c.key");
  if (dist === undefined) return;
  const sources = launcherSourcesText((name) => readFileSync(join(dist, name), "latin1"));
  assert.equal(readFileSync(join(dist, "launcher.c.key"), "latin1").trim(), launcherSourceKey(sources));
});

test("bin/skein: started through a chain of links (npm's node_modules/.bin), it finds skein.cjs beside its real file", () => {
  const root = mkdtempSync(join(tmpdir(), "skein-bin-link-"));
  try {
    mkdirSync(join(root, "a"));
    symlinkSync(bin, join(root, "a", "first"));
    symlinkSync("a/first", join(root, "second")); // relative, resolved from the link's directory
    writeFileSync(join(root, "w.mf"), "out:\n\ttouch out\n");
    const result = spawnSync("./second", ["flow", "w.mf", "--no-progress"], { cwd: root, encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    assert.ok(existsSync(join(root, "out")));
    // as `sh second`: $0 has no directory part
    const bySh = spawnSync("sh", ["second", "flow", "w.mf", "--no-progress"], { cwd: root, encoding: "utf8" });
    assert.equal(bySh.status, 0, bySh.stderr);
    assert.match(bySh.stderr, /nothing to do/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
