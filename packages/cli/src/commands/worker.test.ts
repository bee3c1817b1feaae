import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { basename, join } from "node:path";
import { test } from "node:test";
import { runFlow } from "@skein/flow";
import { claimWorkDirectory } from "@skein/flow/worker";
import { realClock } from "@skein/net/clock";
import { waitFor } from "@skein/testkit";
import { UsageError } from "../command.ts";
import { workerCommand } from "./worker.ts";

for (const [args, problem] of [
  [["--cores", "0"], "--cores takes a positive integer, not '0'"],
  [["--cores", "x"], "--cores takes a positive integer, not 'x'"],
  [["--memory", "abc"], "--memory takes a positive integer, not 'abc'"],
  [["--disk", "0"], "--disk takes a positive integer, not '0'"],
  [["--timeout=-1"], "--timeout takes a non-negative number, not '-1'"],
  [["--password-file", "/no/such/password"], "password file /no/such/password: no such file"],
] as const) {
  test(`worker: '${args.join(" ")}' is a usage error before anything is made: no directory of its own, no --workdir`, async (t) => {
    const root = mkdtempSync(join(tmpdir(), "skein-worker-options-"));
    t.after(() => rmSync(root, { recursive: true, force: true }));
    const temporary = join(root, "tmp");
    const tmpdirBefore = process.env.TMPDIR;
    process.env.TMPDIR = root; // where a directory of its own would go
    t.after(() => (tmpdirBefore === undefined ? delete process.env.TMPDIR : (process.env.TMPDIR = tmpdirBefore)));
    for (const workdir of [[], ["--workdir", join(temporary, "work")]]) {
      await assert.rejects(workerCommand.run(["127.0.0.1:1", ...workdir, ...args]), (error: unknown) => {
        assert.ok(error instanceof UsageError, String(error));
        assert.ok(error.message.startsWith(problem), error.message);
        return true;
      });
      assert.deepEqual(readdirSync(root), [], "nothing was made");
    }
  });
}

for (const address of ["127.0.0.1:0", "127.0.0.1:99999", "[::1]:65536"]) {
  test(`worker: the master address ${address} is a usage error naming the ports it may have`, async () => {
    await assert.rejects(workerCommand.run([address]), new UsageError(`master address: '${address}' is not host:port (the port must be 1 to 65535)`));
  });
}

test("worker: two workers given one --workdir run tasks at once, each in a directory of its own, removed when it exits (they removed each other's sandboxes)", { timeout: 60_000 }, async (t) => {
  const root = mkdtempSync(join(tmpdir(), "skein-worker-shared-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const workdir = join(root, "work");
  // `a` runs on the first worker until `b` is done; `b`, queued behind it, is taken by the second
  writeFileSync(join(root, "in.txt"), "in\n");
  writeFileSync(join(root, "w.mf"), `a:\n\ttouch ${root}/a-started; while [ ! -e ${root}/b-done ]; do sleep 0.02; done; echo in > a\nb: in.txt\n\tcat in.txt > b; touch ${root}/b-done\n`);
  const workers: Array<Promise<number>> = [];
  const worker = (port: number) => workerCommand.run([`127.0.0.1:${port}`, "--workdir", workdir, "--cores", "1", "--timeout", "30"]);
  let err = "";
  const clock = realClock();
  const master = runFlow(
    { file: join(root, "w.mf"), target: "workers", port: 0, jobs: 2, progress: false, environment: {}, fastAbortMultiplier: 0, onListening: (port) => {
      workers.push(worker(port));
      void waitFor(clock, () => existsSync(join(root, "a-started")), 30_000, "a to start").then(() => workers.push(worker(port)));
    } },
    { clock, random: Math.random, output: { out: () => {}, err: (text) => (err += text) } },
  );
  assert.equal(await master, 0, err);
  assert.equal(readFileSync(join(root, "a"), "utf8"), "in\n");
  assert.equal(readFileSync(join(root, "b"), "utf8"), "in\n");
  assert.deepEqual(await Promise.all(workers), [0, 0]);
  assert.deepEqual(readdirSync(workdir), [], "each worker removed its directory");
});

test("worker: a directory a killed worker of this host left in --workdir is removed by the next; a live one's is kept", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "skein-worker-stale-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dead = spawnSync(process.execPath, ["-e", "process.exit(0)"]).pid!; // a pid no process has now
  mkdirSync(join(root, `worker-${hostname().replace(/[^A-Za-z0-9.]/g, "_")}-${dead}-1`, "cache"), { recursive: true });
  mkdirSync(join(root, `worker-${hostname().replace(/[^A-Za-z0-9.]/g, "_")}-${process.ppid}-1`));
  mkdirSync(join(root, "worker-elsewhere-1-1"));
  const mine = claimWorkDirectory(root);
  assert.deepEqual(readdirSync(root).sort(), [`worker-${hostname().replace(/[^A-Za-z0-9.]/g, "_")}-${process.ppid}-1`, basename(mine), "worker-elsewhere-1-1"].sort());
});

test("worker: without --workdir it works in skein-worker-<host>-<pid>-<n> in the temporary directory, so one a killed worker left there (its cache) is removed by the next; a live one's is kept", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "skein-worker-tmp-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const tmpdirBefore = process.env.TMPDIR;
  process.env.TMPDIR = root;
  t.after(() => (tmpdirBefore === undefined ? delete process.env.TMPDIR : (process.env.TMPDIR = tmpdirBefore)));
  const host = hostname().replace(/[^A-Za-z0-9.]/g, "_");
  const dead = spawnSync(process.execPath, ["-e", "process.exit(0)"]).pid!; // a pid no process has now
  mkdirSync(join(root, `skein-worker-${host}-${dead}-1`, "cache"), { recursive: true });
  writeFileSync(join(root, `skein-worker-${host}-${dead}-1`, "cache", `${"a".repeat(64)}.644`), "a cached input");
  const live = `skein-worker-${host}-${process.ppid}-1`;
  mkdirSync(join(root, live));
  // no master answers: it gives up at once (exit 1), having made its directory and removed it
  assert.equal(await workerCommand.run(["127.0.0.1:1", "--timeout", "0"]), 1);
  assert.deepEqual(readdirSync(root), [live]);
});
