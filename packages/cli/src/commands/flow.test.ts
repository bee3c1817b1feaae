import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { UsageError } from "../command.ts";
import { flowCommand } from "./flow.ts";

for (const [args, problem] of [
  [["--heartbeat", "0"], "--heartbeat takes a positive number, not '0'"],
  [["--worker-timeout", "0"], "--worker-timeout takes a positive number, not '0'"],
  [["--worker-timeout=-1"], "--worker-timeout takes a positive number, not '-1'"],
  [["-p", "99999"], "--port takes an integer from 0 to 65535 (0 picks a free port), not '99999'"],
  [["--port", "65536"], "--port takes an integer from 0 to 65535 (0 picks a free port), not '65536'"],
  [["--port=-1"], "--port takes an integer from 0 to 65535 (0 picks a free port), not '-1'"],
] as const) {
  test(`flow: '-T workers ${args.join(" ")}' is a usage error that says what the flag takes`, async () => {
    // the workflow file is never read: options are checked first
    await assert.rejects(flowCommand.run(["/no/such/w.mf", "-T", "workers", ...args]), new UsageError(problem));
  });
}

for (const [args, problem] of [
  [["-j", "-1"], "--jobs takes a positive integer, not '-1'"],
  [["--jobs", "-1"], "--jobs takes a positive integer, not '-1'"],
  [["-j", "0"], "--jobs takes a positive integer, not '0'"],
  [["-j", "abc"], "--jobs takes a positive integer, not 'abc'"],
  [["--retry-count", "-2"], "--retry-count takes a non-negative integer, not '-2'"],
  [["--retry-delay", "-.5"], "--retry-delay takes a non-negative number, not '-.5'"],
] as const) {
  test(`flow: '${args.join(" ")}' (a negative or bad number) is a usage error naming the flag and the value, not an ambiguous option`, async () => {
    await assert.rejects(flowCommand.run(["/no/such/w.mf", ...args]), new UsageError(problem));
  });
}

for (const [args, problem] of [
  [["--fast-abort", "2"], "--fast-abort is for -T workers, not -T local"],
  [["-T", "slurm", "-p", "9000", "--heartbeat", "500"], "--port, --heartbeat are for -T workers, not -T slurm"],
  // said before the files are read: files that do not exist are not the problem
  [["--tls-cert", "/no/such/cert", "--tls-key", "/no/such/key", "--tls-ca", "/no/such/ca"], "--tls-cert, --tls-key, --tls-ca are for -T workers, not -T local"],
  // -B's value starts with a dash, as sbatch's options do: taken as its value, not as an option
  [["-B", "--partition=gpu --account=lab"], "--batch-options is for -T slurm, not -T local"],
  [["-T", "workers", "--batch-options", "-p gpu"], "--batch-options is for -T slurm, not -T workers"],
] as const) {
  test(`flow: '${args.join(" ")}' is a usage error: the option would do nothing there`, async () => {
    await assert.rejects(flowCommand.run(["/no/such/w.mf", ...args]), new UsageError(problem));
  });
}

test("flow: an empty --dot is a usage error (it wrote nothing, silently)", async () => {
  await assert.rejects(flowCommand.run(["/no/such/w.mf", "--dot", ""]), new UsageError("--dot needs a file name, not an empty one"));
});

test("flow: an unknown -T says which targets there are", async () => {
  await assert.rejects(flowCommand.run(["/no/such/w.mf", "-T", "sge"]), new UsageError("-T takes local, workers or slurm, not 'sge'"));
});

test("flow (upstream TR_makeflow_020_syntax_default): without a workflow file, the file Makeflow of the current directory runs, as upstream's makeflow does", () => {
  const directory = mkdtempSync(join(tmpdir(), "skein-flow-default-"));
  try {
    const bin = new URL("../../bin/skein.js", import.meta.url).pathname;
    const missing = spawnSync(process.execPath, [bin, "flow", "--dry-run"], { cwd: directory, encoding: "utf8" });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /Makeflow: no such workflow file/);
    writeFileSync(join(directory, "Makeflow"), "out:\n\techo hi > out\n");
    const found = spawnSync(process.execPath, [bin, "flow", "--dry-run"], { cwd: directory, encoding: "utf8" });
    assert.equal(found.stdout, "echo hi > out\n");
    assert.equal(found.status, 0);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
