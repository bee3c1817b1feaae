import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
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
