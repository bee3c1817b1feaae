// `skein flow -T workers` and `skein worker` as users start them (bin/skein, separate processes):
// the password and TLS flags reach both sides, a worker with the wrong password or a certificate
// of another CA stops with the reason and exit 1, the right one runs the workflow; a worker
// outlives an interrupted master; bad addresses and ports are usage errors.
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

const bin = new URL("../bin/skein", import.meta.url).pathname;
const fixtures = new URL("../../net/src/fixtures/tls/", import.meta.url).pathname;
const tlsFlags = (cert: string, ca = "ca") => ["--tls-cert", join(fixtures, `${cert}.crt`), "--tls-key", join(fixtures, `${cert}.key`), "--tls-ca", join(fixtures, `${ca}.crt`)];

/** A started process: its stderr so far, and its exit, killed after `timeoutMs`. */
function started(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env, timeoutMs = 60_000): { child: ChildProcess; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(bin, args, { cwd, env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  const exit = new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
  return { child, stderr: () => stderr, exit };
}

/** The workers' own temporary directories in `tmp` (tsx, when the bundle is stale, keeps its cache there too). */
const workDirectories = (tmp: string) => readdirSync(tmp).filter((name) => name.startsWith("skein-worker-"));

/** Resolves with the first match of `pattern` in what `read` returns, polling for at most 30 s. */
async function appears(read: () => string, pattern: RegExp): Promise<RegExpMatchArray> {
  for (let waited = 0; waited < 30_000; waited += 20) {
    const match = read().match(pattern);
    if (match) return match;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`never appeared: ${pattern} in\n${read()}`);
}

test("bin/skein: a TLS master with a password file turns away a worker with the wrong password and one with another CA's certificate (exit 1, reason on both sides); the right worker runs the workflow", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "skein-bin-workers-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  writeFileSync(join(root, "in.txt"), "shipped\n");
  writeFileSync(join(root, "w.mf"), "out: in.txt\n\ttr a-z A-Z < in.txt > out\n");
  writeFileSync(join(root, "pw"), "right horse\n");
  writeFileSync(join(root, "wrong"), "wrong horse\n");
  const master = started(["flow", "w.mf", "-T", "workers", "-p", "0", "--no-progress", "--password-file", "pw", ...tlsFlags("node")], root);
  t.after(() => master.child.kill("SIGKILL"));
  const port = (await appears(master.stderr, /waiting for workers on port (\d+)/))[1]!;
  const address = `127.0.0.1:${port}`;
  // the workers make their work directories here (no --workdir) and must leave nothing behind
  const workerTmp = join(root, "tmp");
  mkdirSync(workerTmp);
  const workerEnv = { ...process.env, TMPDIR: workerTmp };

  const wrongPassword = started(["worker", address, "--timeout", "20", "--password-file", join(root, "wrong"), ...tlsFlags("node")], root, workerEnv);
  assert.equal(await wrongPassword.exit, 1, wrongPassword.stderr());
  // the master proves the password first, so the worker is the one to find it wrong
  assert.match(wrongPassword.stderr(), /refused the master at 127\.0\.0\.1:\d+: master failed authentication \(wrong password\?\)/);

  const otherCa = started(["worker", address, "--timeout", "20", "--password-file", join(root, "pw"), ...tlsFlags("rogue")], root, workerEnv);
  assert.equal(await otherCa.exit, 1, otherCa.stderr());
  assert.match(otherCa.stderr(), /the master refused this worker: TLS: your certificate was not accepted/);

  const right = started(["worker", address, "--timeout", "20", "--password-file", join(root, "pw"), ...tlsFlags("node")], root, workerEnv);
  assert.equal(await right.exit, 0, right.stderr());
  assert.equal(await master.exit, 0, master.stderr());
  assert.equal(readFileSync(join(root, "out"), "utf8"), "SHIPPED\n");
  assert.match(master.stderr(), /a worker from 127\.0\.0\.1:\d+ refused this master: .*failed authentication/);
  assert.match(master.stderr(), /refused a connection from 127\.0\.0\.1:\d+: TLS: client certificate not accepted/);
  assert.deepEqual(workDirectories(workerTmp), [], "each worker removed the work directory it made");
});

test("bin/skein: a worker waiting for a master stops on SIGTERM with exit 143 and removes the work directory it made (its own inside --workdir; --workdir itself stays)", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "skein-bin-worker-stop-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const workerTmp = join(root, "tmp");
  mkdirSync(workerTmp);
  // port 1 on loopback: nothing listens there, so the worker keeps trying
  for (const workdir of [undefined, join(root, "kept")]) {
    const worker = started(["worker", "127.0.0.1:1", ...(workdir ? ["--workdir", workdir] : [])], root, { ...process.env, TMPDIR: workerTmp });
    await appears(worker.stderr, /connecting again in/);
    assert.ok(workdir ? readdirSync(workdir).length > 0 : workDirectories(workerTmp).length === 1, "the work directory exists while it runs");
    worker.child.kill("SIGTERM");
    assert.equal(await worker.exit, 143, worker.stderr());
    assert.match(worker.stderr(), /skein worker: stopped by SIGTERM\n$/);
    assert.deepEqual(workDirectories(workerTmp), []);
    if (workdir) assert.deepEqual(readdirSync(workdir), [], "--workdir is kept, emptied of the worker's own directory");
  }
});

test("bin/skein: a worker given a relative --workdir runs its tasks (the directory is made absolute once, at the start)", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "skein-bin-workdir-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  writeFileSync(join(root, "in.txt"), "shipped\n");
  writeFileSync(join(root, "w.mf"), "out: in.txt\n\ttr a-z A-Z < in.txt > out\n");
  const master = started(["flow", "w.mf", "-T", "workers", "-p", "0", "--no-progress"], root);
  t.after(() => master.child.kill("SIGKILL"));
  const port = (await appears(master.stderr, /waiting for workers on port (\d+)/))[1]!;
  const worker = started(["worker", `127.0.0.1:${port}`, "--timeout", "20", "--workdir", "wdrel"], root);
  assert.equal(await worker.exit, 0, worker.stderr());
  assert.equal(await master.exit, 0, master.stderr());
  assert.equal(readFileSync(join(root, "out"), "utf8"), "SHIPPED\n");
  assert.deepEqual(readdirSync(join(root, "wdrel")), [], "--workdir is made where it named, and kept (emptied of the worker's own directory)");
});

test("bin/skein: a worker whose master is interrupted (SIGINT) keeps reconnecting, and the rerun of the master gets it back and finishes (exit 0 on both)", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "skein-bin-interrupt-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  // the first run's task hangs until the interrupt kills it; the rerun finds `go` and finishes
  writeFileSync(join(root, "w.mf"), `out:\n\tif [ -e ${join(root, "go")} ]; then echo done > out; else touch ${join(root, "started")}; sleep 60; fi\n`);
  const first = started(["flow", "w.mf", "-T", "workers", "-p", "0", "--no-progress"], root);
  t.after(() => first.child.kill("SIGKILL"));
  const port = (await appears(first.stderr, /waiting for workers on port (\d+)/))[1]!;
  const worker = started(["worker", `127.0.0.1:${port}`, "--timeout", "60"], root);
  t.after(() => worker.child.kill("SIGKILL"));
  await appears(() => (existsSync(join(root, "started")) ? "started" : ""), /started/);
  first.child.kill("SIGINT");
  assert.equal(await first.exit, 130, first.stderr());
  await appears(worker.stderr, /skein worker: the master stopped \(interrupted by SIGINT\); reconnecting for up to 1 min \(first attempt in \d+\.\d s\)\n/);
  writeFileSync(join(root, "go"), "");
  const rerun = started(["flow", "w.mf", "-T", "workers", "-p", port, "--no-progress"], root);
  t.after(() => rerun.child.kill("SIGKILL"));
  assert.equal(await rerun.exit, 0, rerun.stderr());
  assert.equal(await worker.exit, 0, worker.stderr());
  assert.match(worker.stderr(), /skein worker: the master finished\n$/);
  assert.equal(readFileSync(join(root, "out"), "utf8"), "done\n");
});

for (const [command, args, problem] of [
  ["worker", ["127.0.0.1:0"], "master address: '127.0.0.1:0' is not host:port (the port must be 1 to 65535)"],
  ["flow", ["w.mf", "-T", "workers", "-p", "99999"], "--port takes an integer from 0 to 65535 (0 picks a free port), not '99999'"],
  ["flow", ["w.mf", "-T", "workers", "--heartbeat", "0"], "--heartbeat takes a positive number, not '0'"],
] as const) {
  test(`bin/skein: '${command} ${args.join(" ")}' is a usage error, exit 2, no stack trace`, () => {
    const result = spawnSync(bin, [command, ...args], { encoding: "utf8", timeout: 30_000 });
    assert.equal(result.status, 2, result.stderr);
    assert.ok(result.stderr.startsWith(`skein ${command}: ${problem}\n`), result.stderr);
    assert.doesNotMatch(result.stderr, /\n\s+at .*:\d+:\d+\)?$/m, "no stack trace");
  });
}

test("bin/skein: a worker told no --memory or --disk offers this machine's memory and the disk free where it works (it offered 1 000 000 MB of each), as Work Queue's worker", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "skein-bin-offer-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  writeFileSync(join(root, "w.mf"), "out:\n\ttouch out\n");
  const master = spawn(bin, ["flow", "w.mf", "-T", "workers", "-p", "0", "--json"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  t.after(() => master.kill("SIGKILL"));
  let out = "";
  let err = "";
  master.stdout!.setEncoding("utf8").on("data", (text: string) => (out += text));
  master.stderr!.setEncoding("utf8").on("data", (text: string) => (err += text));
  const exit = new Promise<number | null>((resolve) => master.on("close", resolve));
  const port = (await appears(() => err, /waiting for workers on port (\d+)/))[1]!;
  const worker = started(["worker", `127.0.0.1:${port}`, "--timeout", "20", "--workdir", root], root);
  assert.equal(await worker.exit, 0, worker.stderr());
  assert.equal(await exit, 0, err);
  const joined = out.trim().split("\n").map((line) => JSON.parse(line)).find((event) => event.state === "joined" && event.executor !== "local");
  assert.ok(joined, out);
  assert.equal(joined.memoryMb, Math.floor(totalmem() / 1048576));
  const { bavail, bsize } = statfsSync(root);
  const freeMb = (bavail * bsize) / 1e6;
  assert.ok(joined.diskMb > 0 && Math.abs(joined.diskMb - freeMb) <= Math.max(100, freeMb * 0.1), `offered ${joined.diskMb} MB of disk; ${freeMb} MB are free`);
});
