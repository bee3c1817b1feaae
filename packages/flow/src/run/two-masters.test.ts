import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { waitFor } from "@skein/testkit";
import { runIn, workspaces } from "../../test/flow-run.ts";
import { lockPath } from "../log/log-lock.ts";

const skein = new URL("../../../cli/bin/skein.js", import.meta.url).pathname;
const workspace = workspaces("skein-flow-two-masters-");

test("run: a second master on a workflow that one runs stops at once, naming the first, and touches nothing; --clean too; after the first, it runs", async () => {
  const root = workspace({ "w.mf": "slow:\n\ttouch started; sleep 2; echo one >> slow\n" });
  const log = join(root, "w.mf.skeinlog");
  const first = spawn(process.execPath, [skein, "flow", "w.mf", "--no-progress"], { cwd: root, stdio: "ignore" });
  const firstExit = new Promise<number | null>((resolve) => first.on("exit", resolve));
  try {
    await waitFor(realClock(), () => existsSync(join(root, "started")), 30_000, "the first master to start its command");
    const logBefore = readFileSync(log, "utf8");
    for (const init of [{}, { clean: true }]) {
      const second = await runIn(root, init);
      assert.equal(second.code, 1);
      assert.equal(second.err, `skein flow: ${log} is in use by another skein flow (pid ${first.pid} on ${readFileSync(lockPath(log), "latin1").split(" ")[1]}); wait for it to end, or remove ${lockPath(log)} if no such run exists\n`);
    }
    assert.equal(readFileSync(log, "utf8"), logBefore, "the log is untouched");
    assert.ok(existsSync(join(root, "started")), "--clean removed nothing");
    assert.equal((await runIn(root, { dryRun: true })).code, 0, "--dry-run only reads");
    assert.equal(await firstExit, 0);
    assert.equal(readFileSync(join(root, "slow"), "utf8"), "one\n", "the rule ran once");
    assert.ok(!existsSync(lockPath(log)), "the first released its lock");
    assert.match((await runIn(root)).err, /nothing to do/);
  } finally {
    first.kill("SIGKILL");
  }
});
