import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { runFlow } from "../run/run-flow.ts";
import { slurmUnavailable, startSlurmCluster } from "../../test/slurm-cluster.ts";

const unavailable = slurmUnavailable();

test("slurm: a workflow runs through a single-node Slurm cluster with its category's cores", { skip: unavailable }, async () => {
  const cluster = startSlurmCluster();
  const root = mkdtempSync(join(tmpdir(), "skein-flow-slurm-"));
  try {
    writeFileSync(join(root, "w.mf"), "CATEGORY=two\nCORES=2\nMEMORY=100\na:\n\techo $$SLURM_CPUS_PER_TASK > a\nb: a\n\tcat a a > b\nall: b\n\tLOCAL cp b all\n");
    let err = "";
    const code = await runFlow({ file: join(root, "w.mf"), target: "slurm", progress: false, environment: {}, slurmPollMs: 200 }, { clock: realClock(), random: Math.random, output: { out: () => {}, err: (t) => (err += t) } });
    assert.equal(code, 0, err);
    assert.equal(readFileSync(join(root, "all"), "utf8"), "2\n2\n");
  } finally {
    cluster.stop();
    rmSync(root, { recursive: true, force: true });
  }
});
