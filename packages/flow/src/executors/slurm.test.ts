// The executor conformance suite against Slurm, on one single-node cluster (munged, slurmctld,
// slurmd) started for the whole file; plus what only Slurm shows (SLURM_CPUS_PER_TASK). Where
// Slurm cannot run here, every test is skipped with the reason.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { executorConformance } from "@skein/testkit";
import { runFlowWith, slurmExecutor } from "../../test/executor-harnesses.ts";
import { type SlurmCluster, slurmUnavailable, startSlurmCluster } from "../../test/slurm-cluster.ts";

const unavailable = slurmUnavailable();
let cluster: SlurmCluster | undefined;
before(() => {
  if (!unavailable) cluster = startSlurmCluster();
});
after(() => cluster?.stop());

executorConformance({
  name: "slurm",
  unavailable,
  timeoutMs: 60_000,
  executor: slurmExecutor,
  runFlow: (file) => runFlowWith(file, { target: "slurm", slurmPollMs: 100 }),
});

test("slurm: a job sees its category's cores in SLURM_CPUS_PER_TASK; LOCAL rules run on the master", { skip: unavailable }, async () => {
  const root = mkdtempSync(join(tmpdir(), "skein-flow-slurm-"));
  try {
    writeFileSync(join(root, "w.mf"), "CATEGORY=two\nCORES=2\nMEMORY=100\na:\n\techo $$SLURM_CPUS_PER_TASK > a\nb: a\n\tcat a a > b\nall: b\n\tLOCAL cp b all\n");
    const { code, err } = await runFlowWith(join(root, "w.mf"), { target: "slurm", slurmPollMs: 100 });
    assert.equal(code, 0, err);
    assert.equal(readFileSync(join(root, "all"), "utf8"), "2\n2\n");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
