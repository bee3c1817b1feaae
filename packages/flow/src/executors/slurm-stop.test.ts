// A stop (SIGINT) of a -T slurm run on a real single-node cluster (2 CPUs): the job Slurm runs
// is killed, the ones it still holds pending are not started, and the run leaves no
// `.skein-slurm/` behind — Slurm writes a cancelled job's CANCELLED line into its `.out` as the
// job ends, after the master cancelled it. Where Slurm cannot run here, the test is skipped.
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { realClock } from "@skein/net";
import { waitFor } from "@skein/testkit";
import { runIn, workspaces } from "../../test/flow-run.ts";
import { type SlurmCluster, slurmUnavailable, startSlurmCluster } from "../../test/slurm-cluster.ts";

const unavailable = slurmUnavailable();
let cluster: SlurmCluster | undefined;
before(() => {
  if (!unavailable) cluster = startSlurmCluster();
});
after(() => cluster?.stop());
const workspace = workspaces("skein-slurm-stop-");

test("slurm: a stop kills the running job, counts the pending ones as not started, and leaves no .skein-slurm behind", { skip: unavailable, timeout: 90_000 }, async () => {
  // each job takes both CPUs: one runs, two wait in Slurm
  const root = workspace({ "w.mf": "CORES=2\na:\n\tsleep 60; touch a\nb:\n\tsleep 60; touch b\nc:\n\tsleep 60; touch c\n" });
  const running = runIn(root, { target: "slurm", slurmPollMs: 100, json: true });
  const scratch = join(root, ".skein-slurm");
  await waitFor(realClock(), () => existsSync(scratch) && readdirSync(scratch).some((name) => name.endsWith(".started")), 60_000, "a job started");
  await new Promise((resolve) => setTimeout(resolve, 1_000)); // polls: the master saw it
  process.kill(process.pid, "SIGINT");
  const result = await running;
  assert.equal(result.code, 130, result.err);
  assert.match(result.err, /the run stopped with 1 rule running, killed \([abc]\), and 2 rules queued, not started; a rerun runs them\n/, result.err);
  const started = result.out.trim().split("\n").map((line) => JSON.parse(line)).filter((event) => event.state === "started" && event.rule !== undefined);
  assert.equal(started.length, 1, result.out);
  assert.ok(!existsSync(scratch), `left behind: ${existsSync(scratch) ? readdirSync(scratch).join(", ") : ""}`);
});
