// ftsh killed with SIGKILL: its guardian terminates what it was running. Real processes, bounded.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { ended, exited, pollUntil, processIsAlive, readPid, scratchDirectory, startFtsh } from "../../test/real-ftsh.ts";

test("guardian: SIGKILL of ftsh does not leave its running commands (and their groups) behind", async () => {
  const script = [
    "forall n in 1 2",
    // the command and a child of its own (same process group) each write their pid
    '  sh -c "sleep 300 & echo \\$! > child$n.pid; echo \\$\\$ > leader$n.pid; wait"',
    "end",
    "",
  ].join("\n");
  const { dir, remove } = scratchDirectory("guardian", { "s.ftsh": script });
  try {
    // no pipes: the commands would hold them open after ftsh died
    const ftsh = startFtsh(["--kill-timeout", "2", "s.ftsh"], dir, "ignore");
    const done = exited(ftsh);
    const pidFiles = ["leader1.pid", "child1.pid", "leader2.pid", "child2.pid"].map((file) => join(dir, file));
    const started = await pollUntil(() => pidFiles.every((file) => readPid(file) !== undefined), 30_000);
    ftsh.kill("SIGKILL");
    await done;
    assert.ok(started, "the commands started");
    const pids = pidFiles.map((file) => readPid(file)!);
    const gone = await pollUntil(() => pids.every((pid) => !processIsAlive(pid)), 10_000);
    for (const pid of pids) if (processIsAlive(pid)) process.kill(pid, "SIGKILL"); // never leave them
    assert.ok(gone, "every command and its child ended after ftsh was killed");
  } finally {
    remove();
  }
});

test("guardian: a script that ends normally is not kept waiting by its guardian", async () => {
  const { dir, remove } = scratchDirectory("guardian-end", { "s.ftsh": "true\necho done\n" });
  try {
    const ftsh = startFtsh(["s.ftsh"], dir);
    let stdout = "";
    ftsh.stdout!.on("data", (chunk) => (stdout += chunk));
    const { code } = await ended(ftsh);
    assert.equal(code, 0);
    assert.equal(stdout, "done\n");
  } finally {
    remove();
  }
});
