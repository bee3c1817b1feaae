// A job still pending in Slurm has not started: against stand-in sbatch/squeue programs (shell
// scripts on PATH), a stop counts it as queued, not started, and --json says `started` only for
// the job whose script ran. The real cluster's tests are in slurm.test.ts and slurm-stop.test.ts.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { waitFor } from "@skein/testkit";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-slurm-starts-");

/** sbatch that runs only the job named skein-run (in the background) and leaves the others pending; IDs count up. */
const sbatch = `#!/bin/sh
dir=$(dirname "$0")
for argument; do case $argument in --output=*) out=\${argument#--output=};; --job-name=*) name=\${argument#--job-name=};; esac; script=$argument; done
id=$(( $(cat "$dir/ids" 2>/dev/null || echo 0) + 1 )); echo $id > "$dir/ids"
if [ "$name" = skein-run ]; then sh "$script" > "$out" 2>&1 < /dev/null & fi
echo $id
`;
/** squeue listing every job submitted (none ends here before the stop). */
const squeue = `#!/bin/sh\nseq 1 $(cat "$(dirname "$0")/ids" 2>/dev/null || echo 0)\n`;

test("slurm: a stop counts a job still pending in Slurm as queued, not started (not killed), and --json says `started` only for the job that ran", { timeout: 30_000 }, async () => {
  const root = workspace({ "w.mf": "run:\n\tsleep 3; touch run\npend:\n\ttouch pend\n" });
  const bin = join(root, "bin");
  mkdirSync(bin);
  for (const [name, text] of Object.entries({ sbatch, squeue, scancel: "#!/bin/sh\nexit 0\n" })) writeFileSync(join(bin, name), text, { mode: 0o755 });
  const saved = process.env.PATH;
  process.env.PATH = `${bin}:${saved}`;
  try {
    const running = runIn(root, { target: "slurm", slurmPollMs: 20, json: true });
    const scratch = join(root, ".skein-slurm");
    await waitFor(realClock(), () => existsSync(scratch) && readdirSync(scratch).some((name) => name.endsWith(".started")), 10_000, "the job of 'run' started");
    await new Promise((resolve) => setTimeout(resolve, 300)); // a few polls: the master saw it
    process.kill(process.pid, "SIGINT");
    const result = await running;
    assert.equal(result.code, 130, result.err);
    assert.match(result.err, /the run stopped with 1 rule running, killed \(run\), and 1 rule queued, not started; a rerun runs them\n/, result.err);
    const events = result.out.trim().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(events.filter((event) => event.state === "started" && event.rule !== undefined).map((event) => event.target), ["run"]);
  } finally {
    process.env.PATH = saved;
  }
});
