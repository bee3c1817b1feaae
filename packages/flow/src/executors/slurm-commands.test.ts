// The Slurm back end against stand-in sbatch and squeue programs (shell scripts on PATH): how
// it copes with what a real cluster only does on a bad day — a failing squeue, an sbatch that
// prints no job ID. The real cluster's tests are in slurm.test.ts.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";
import { jobName, jobNameLengthMax, parsedJobId, sbatchArguments, sbatchConcurrentMax } from "./slurm-back-end.ts";

const workspace = workspaces("skein-slurm-commands-");

/** sbatch that runs the job script at once, in the background, and prints `printed`. */
const sbatch = (printed: string) => `#!/bin/sh
for argument; do case $argument in --output=*) out=\${argument#--output=};; esac; script=$argument; done
sh "$script" > "$out" 2>&1 < /dev/null &
printf '${printed}'
`;

/** Runs root/w.mf with -T slurm and these programs first on PATH. */
async function runWith(root: string, programs: Record<string, string>) {
  const bin = join(root, "bin");
  mkdirSync(bin, { recursive: true });
  for (const [name, text] of Object.entries(programs)) writeFileSync(join(bin, name), text, { mode: 0o755 });
  const saved = process.env.PATH;
  process.env.PATH = `${bin}:${saved}`;
  try {
    return await runIn(root, { target: "slurm", slurmPollMs: 20 });
  } finally {
    process.env.PATH = saved;
  }
}

test("slurm: while squeue fails, finished jobs are still seen (the run ends) and the failure is said once, not every poll", { timeout: 30_000 }, async () => {
  const root = workspace({ "w.mf": "a:\n\techo made > a\nb: a\n\tsleep 0.3; cat a > b\n" });
  const run = await runWith(root, { sbatch: sbatch("4242\\n"), squeue: "#!/bin/sh\necho 'squeue: error: Unable to contact slurm controller' >&2\nexit 1\n" });
  assert.equal(run.code, 0, run.err);
  assert.equal(readFileSync(join(root, "b"), "utf8"), "made\n");
  assert.equal(run.err.match(/Unable to contact slurm controller/g)?.length, 1, run.err);
});

test("slurm: an sbatch that prints no job ID fails the task, naming what it printed, instead of waiting for it forever", { timeout: 30_000 }, async () => {
  const root = workspace({ "w.mf": "a:\n\ttrue\n" });
  const run = await runWith(root, { sbatch: "#!/bin/sh\necho 'Submitted to the queue'\n", squeue: "#!/bin/sh\nexit 0\n" });
  assert.equal(run.code, 1);
  assert.match(run.err, /a: failed: sbatch printed no job ID \(it printed "Submitted to the queue"\)/);
});

test("slurm: sbatch --parsable's job ID, with a cluster name or after other lines; anything else is none", () => {
  assert.equal(parsedJobId("123\n"), "123");
  assert.equal(parsedJobId("123;cluster\n"), "123");
  assert.equal(parsedJobId("sbatch: note\n77\n"), "77");
  for (const text of ["", "\n", "Submitted batch job 5\n", "x;y"]) assert.equal(parsedJobId(text), undefined, text);
});

test("slurm: each run's job files have names of their own (a job of a killed earlier run cannot pass its status for this run's task), and a done job's files are removed", { timeout: 30_000 }, async () => {
  const root = workspace({ "w.mf": "a:\n\techo made > a\n" });
  const logging = sbatch("4242\\n").replace("sh \"$script\"", 'echo "$script" >> "$(dirname "$0")/../scripts"; sh "$script"');
  const programs = { sbatch: logging, squeue: "#!/bin/sh\nexit 0\n" };
  assert.equal((await runWith(root, programs)).code, 0);
  writeFileSync(join(root, "w.mf"), "a:\n\techo made again > a\n");
  const again = await runWith(root, programs);
  assert.equal(again.code, 0, again.err);
  const scripts = readFileSync(join(root, "scripts"), "utf8").trim().split("\n");
  assert.equal(scripts.length, 2);
  assert.notEqual(scripts[0], scripts[1], "task 0 of two runs");
  assert.ok(!existsSync(join(root, ".skein-slurm")), "left empty, the job directory goes too");
});

test("slurm: a burst of ready tasks runs at most sbatchConcurrentMax sbatch processes at once, and every job is submitted", { timeout: 60_000 }, async () => {
  const rules = Array.from({ length: 30 }, (_, i) => `t${i}:\n\ttouch t${i}\n`).join("");
  const root = workspace({ "w.mf": rules });
  const counting = sbatch("4242\\n").replace("for argument;", 'echo + >> "$(dirname "$0")/../events"; sleep 0.5; echo - >> "$(dirname "$0")/../events"\nfor argument;');
  const run = await runWith(root, { sbatch: counting, squeue: "#!/bin/sh\necho 4242\n" });
  assert.equal(run.code, 0, run.err);
  let running = 0;
  let most = 0;
  for (const event of readFileSync(join(root, "events"), "utf8").trim().split("\n")) {
    running += event === "+" ? 1 : -1;
    most = Math.max(most, running);
  }
  assert.ok(most <= sbatchConcurrentMax, `${most} sbatch at once`);
  assert.ok(most > 1, "submissions overlap");
});

test("slurm: a status file that is neither an exit code nor 'signal N' fails the task, naming it", { timeout: 30_000 }, async () => {
  const root = workspace({ "w.mf": "a:\n\ttrue\n" });
  const garbled = "#!/bin/sh\nfor argument; do script=$argument; done\nstatus=$(sed -n 's/^mv .* //p' \"$script\" | tr -d \"'\")\necho 'what?' > \"$status\"\necho 7\n";
  const run = await runWith(root, { sbatch: garbled, squeue: "#!/bin/sh\necho 7\n" });
  assert.equal(run.code, 1);
  assert.match(run.err, /a: failed: Slurm job( 7)? left an unreadable status "what\?" in .*\.status/);
});

test("slurm: without sbatch on PATH, the run stops before anything runs, saying so once", { timeout: 30_000 }, async () => {
  const root = workspace({ "w.mf": "a:\n\ttouch a\nb:\n\ttouch b\nall: a b\n\tLOCAL touch all\n" });
  const bin = join(root, "empty-bin");
  mkdirSync(bin);
  const saved = process.env.PATH;
  process.env.PATH = bin;
  try {
    const run = await runIn(root, { target: "slurm", slurmPollMs: 20 });
    assert.equal(run.code, 1);
    assert.equal(run.err, "skein flow: -T slurm: sbatch is not on PATH (-T slurm needs Slurm's client commands here): nothing ran\n");
    assert.ok(!existsSync(join(root, ".skein-slurm")), "no job ran: no script is left");
    assert.ok(!existsSync(join(root, "a")) && !existsSync(join(root, "all")));
  } finally {
    process.env.PATH = saved;
  }
});

test("slurm: sbatch's message of several lines is one line of the failure (an invalid partition)", { timeout: 30_000 }, async () => {
  const root = workspace({ "w.mf": "a:\n\ttrue\n" });
  const refusing = "#!/bin/sh\necho 'sbatch: error: invalid partition specified: nosuch' >&2\necho 'sbatch: error: Batch job submission failed: Invalid partition name specified' >&2\nexit 1\n";
  const run = await runWith(root, { sbatch: refusing, squeue: "#!/bin/sh\nexit 0\n" });
  assert.equal(run.code, 1);
  assert.equal(run.err.trim().split("\n").at(-1), `skein flow: stopped: rule 'a' (${join(root, "w.mf")}:1:1) failed: sbatch failed: error: invalid partition specified: nosuch; error: Batch job submission failed: Invalid partition name specified`);
});

test("slurm: a job cancelled from outside (scancel) fails its rule with what Slurm wrote in its output", { timeout: 30_000 }, async () => {
  const root = workspace({ "w.mf": "a:\n\ttrue\n" });
  // sbatch that "runs" the job only as far as Slurm's cancellation line, then squeue forgets it
  const cancelled = "#!/bin/sh\nfor argument; do case $argument in --output=*) out=${argument#--output=};; esac; done\necho 'slurmstepd: error: *** JOB 9 ON n1 CANCELLED AT 2026-01-01T00:00:00 ***' > \"$out\"\necho 9\n";
  const run = await runWith(root, { sbatch: cancelled, squeue: "#!/bin/sh\nexit 0\n" });
  assert.equal(run.code, 1);
  assert.match(run.err, /a: failed: Slurm job 9 ended without an exit status \(cancelled or lost\)\n {2}\| slurmstepd: error: \*\*\* JOB 9 ON n1 CANCELLED AT 2026-01-01T00:00:00 \*\*\*\n/, run.err);
});

test("slurm: an sbatch the controller refuses fails the task with its message said once (not 'sbatch: sbatch: error'), and leaves no job script behind", { timeout: 30_000 }, async () => {
  const root = workspace({ "w.mf": "a:\n\ttrue\nb:\n\ttrue\n" });
  const refusing = "#!/bin/sh\necho 'sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)' >&2\nexit 1\n";
  const run = await runWith(root, { sbatch: refusing, squeue: "#!/bin/sh\nexit 0\n" });
  assert.equal(run.code, 1);
  assert.match(run.err, /: failed: sbatch failed: error: Batch job submission failed: Unable to contact slurm controller \(connect failure\)\n/);
  assert.doesNotMatch(run.err, /sbatch: sbatch|sbatch: error/);
  assert.ok(!existsSync(join(root, ".skein-slurm")), `job scripts left: ${existsSync(join(root, ".skein-slurm")) ? readdirSync(join(root, ".skein-slurm")) : ""}`);
});

test("slurm: a rule's cores reach sbatch as a whole number of at least 1 (CORES=0 and CORES=0.5 ask for 1, CORES=2.5 for 3)", { timeout: 30_000 }, async () => {
  const root = workspace({ "w.mf": "CATEGORY=none\nCORES=0\na:\n\ttouch a\nCATEGORY=half\nCORES=0.5\nb:\n\ttouch b\nCATEGORY=wide\nCORES=2.5\nc:\n\ttouch c\n" });
  const logging = sbatch("4242\\n").replace("for argument;", 'for argument; do case $argument in --cpus-per-task=*) echo "$argument" >> "$(dirname "$0")/../cpus";; esac; done\nfor argument;');
  const run = await runWith(root, { sbatch: logging, squeue: "#!/bin/sh\nexit 0\n" });
  assert.equal(run.code, 0, run.err);
  assert.deepEqual(readFileSync(join(root, "cpus"), "utf8").trim().split("\n").sort(), ["--cpus-per-task=1", "--cpus-per-task=1", "--cpus-per-task=3"]);
});

test("slurm: a rule's memory, GPUs and wall time reach sbatch (--mem, --gres=gpu:N, --time in minutes; not DISK), the job is named by its target, and -B's options come last, before the script", () => {
  const rule = { id: 3, targets: [{ path: "out/result 1.txt" }], resources: { cores: 2.5, memoryMb: 100, diskMb: 2000.5, gpus: 1, wallTimeS: 90 } };
  assert.deepEqual(sbatchArguments(rule, "/w", "/w/.skein-slurm/t-3.out", ["--partition=gpu", "--account=lab"]), [
    "--parsable", "--job-name=skein-result_1.txt", "-N", "1", "-n", "1", "--cpus-per-task=3", "--chdir=/w", "--output=/w/.skein-slurm/t-3.out",
    "--mem=100M", "--gres=gpu:1", "--time=2", "--partition=gpu", "--account=lab",
  ]);
  assert.deepEqual(sbatchArguments({ id: 0, targets: [{ path: "a" }], resources: {} }, "/w", "o"), ["--parsable", "--job-name=skein-a", "-N", "1", "-n", "1", "--cpus-per-task=1", "--chdir=/w", "--output=o"]);
  assert.equal(jobName({ id: 7, targets: [{ path: "d/" }] }), "skein-d");
  assert.equal(jobName({ id: 7, targets: [{ path: "x".repeat(100) }] }).length, jobNameLengthMax);
});

test("slurm: -B's options reach every sbatch (a partition), after skein's own", { timeout: 30_000 }, async () => {
  const root = workspace({ "w.mf": "GPUS=2\nout.txt:\n\ttouch out.txt\n" });
  const logging = sbatch("4242\\n").replace("for argument;", 'echo "$@" >> "$(dirname "$0")/../arguments"\nfor argument;');
  const bin = join(root, "bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, "sbatch"), logging, { mode: 0o755 });
  writeFileSync(join(bin, "squeue"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  const saved = process.env.PATH;
  process.env.PATH = `${bin}:${saved}`;
  try {
    const run = await runIn(root, { target: "slurm", slurmPollMs: 20, batchOptions: ["--partition=debug"] });
    assert.equal(run.code, 0, run.err);
  } finally {
    process.env.PATH = saved;
  }
  const words = readFileSync(join(root, "arguments"), "utf8").trim().split(" ");
  assert.ok(words.includes("--gres=gpu:2") && words.includes("--job-name=skein-out.txt"), words.join(" "));
  assert.deepEqual(words.slice(-2, -1), ["--partition=debug"]);
});
