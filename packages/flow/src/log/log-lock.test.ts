import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { test } from "node:test";
import { LogLockError, lockLog, lockPath, processStartTime, thisProcess } from "./log-lock.ts";

function inTemporary(body: (logPath: string) => Promise<void> | void): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "skein-lock-"));
  return Promise.resolve(body(join(root, "w.mf.skeinlog"))).finally(() => rmSync(root, { recursive: true, force: true }));
}

test("log lock: one holder at a time; released, it can be taken again; a nested run of the same log in this process is named as such", () =>
  inTemporary((log) => {
    const release = lockLog(log);
    assert.equal(readFileSync(lockPath(log), "latin1"), `${process.pid} ${hostname()} ${thisProcess().startTime}\n`);
    assert.throws(() => lockLog(log), new LogLockError(`${log} is in use by this skein flow (two rules nest the same workflow in the same directory); wait for it to end, or remove ${lockPath(log)} if no such run exists`));
    release();
    assert.ok(!existsSync(lockPath(log)));
    lockLog(log)();
  }));

test("log lock: a live run's lock is refused, naming its pid; a dead run's (killed -9), or a reused pid's, is taken over; another host's is refused", async () =>
  inTemporary(async (log) => {
    const sleeper = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      const startTime = processStartTime(sleeper.pid!)!;
      writeFileSync(lockPath(log), `${sleeper.pid} ${hostname()} ${startTime}\n`);
      assert.throws(() => lockLog(log), new LogLockError(`${log} is in use by another skein flow (pid ${sleeper.pid} on ${hostname()}); wait for it to end, or remove ${lockPath(log)} if no such run exists`));
      writeFileSync(lockPath(log), `${sleeper.pid} ${hostname()} 1\n`); // the pid is another process's now
      lockLog(log)();
      writeFileSync(lockPath(log), `${sleeper.pid} elsewhere.example ${startTime}\n`);
      assert.throws(() => lockLog(log), /in use by another skein flow \(pid \d+ on elsewhere\.example\)/);
    } finally {
      sleeper.kill("SIGKILL");
    }
    const dead = spawnSync("true").pid;
    writeFileSync(lockPath(log), `${dead} ${hostname()} 123\n`);
    const release = lockLog(log);
    assert.match(readFileSync(lockPath(log), "latin1"), new RegExp(`^${process.pid} `));
    release();
    writeFileSync(lockPath(log), "\0\0garbage");
    assert.throws(() => lockLog(log), /a lock file skein cannot read; remove it/);
  }));

test("log lock: a lock whose master is a zombie (killed -9, not yet reaped by its parent) is taken over", () =>
  inTemporary(async (log) => {
    // sh starts `sleep 0` in the background, prints its pid, and becomes `sleep 30`, which never reaps it
    const parent = spawn("sh", ["-c", "sleep 0 & echo $!; exec sleep 30"], { stdio: ["ignore", "pipe", "ignore"] });
    try {
      const zombie = Number((await once(parent.stdout!, "data"))[0].toString().trim());
      const stat = () => readFileSync(`/proc/${zombie}/stat`, "latin1").split(") ")[1]!.split(" ");
      for (let i = 0; i < 100_000 && stat()[0] !== "Z"; i++); // `sleep 0` ends at once; bounded all the same
      assert.equal(stat()[0], "Z");
      writeFileSync(lockPath(log), `${zombie} ${hostname()} ${stat()[19]}\n`);
      lockLog(log)();
    } finally {
      parent.kill("SIGKILL");
    }
  }));

test("log lock: a lock that cannot be written (a full disk) is an error and leaves no lock behind", (t) => {
  const mounted = spawnSync("sh", ["-c", 'd=$(mktemp -d) && mount -t tmpfs -o size=4k tmpfs "$d" && head -c 4096 /dev/zero > "$d/fill" 2>/dev/null; echo "$d"'], { encoding: "utf8" });
  const root = mounted.stdout.trim();
  if (spawnSync("mountpoint", ["-q", root]).status !== 0) return t.skip("cannot mount a small tmpfs here (not root?)");
  try {
    const log = join(root, "w.mf.skeinlog");
    assert.throws(() => lockLog(log), new LogLockError(`cannot create the lock ${lockPath(log)} (ENOSPC)`));
    assert.deepEqual(readdirSync(root), ["fill"]);
  } finally {
    spawnSync("umount", [root]);
    rmSync(root, { recursive: true, force: true });
  }
});
