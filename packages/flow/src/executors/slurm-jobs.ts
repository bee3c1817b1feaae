// skein-io-adapter: runs Slurm's client commands and reads the job files they leave.
/**
 * What `-T slurm` asks of Slurm and reads back (slurm-back-end.ts runs the jobs): sbatch's
 * arguments and the job script, the job ID sbatch prints, what squeue lists, the status file.
 * The job script writes `<run>-<task>.started` as it starts (the master reads it with the
 * statuses, in the same directory read: a job still pending in Slurm has not started) and
 * `<run>-<task>.status` when the command ends.
 */
import { execFile } from "node:child_process";
import { accessSync, constants, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Rule } from "../workflow.ts";

/** Runs a Slurm command; `timeoutMs` kills one that hangs (a controller gone). */
export function run(command: string, args: string[], timeoutMs = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: "utf8", timeout: timeoutMs }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
      // Slurm's commands start their own messages with their name (`sbatch: error: …`): said
      // once, and a message of several lines is one line (a reason is said on one line)
      const said = stderr.trim().split("\n").map((line) => line.trim().replace(new RegExp(`^${command}: `), "")).filter((line) => line !== "").join("; ");
      reject(new Error(missing ? `${command} is not on PATH (-T slurm needs Slurm's client commands here)` : `${command}: ${said || error.message}`));
    });
  });
}

export const shellQuote = (text: string) => `'${text.replace(/'/g, "'\\''")}'`;

/** Characters a job name keeps (squeue shows it, `scancel --name` takes it); longer names are cut. */
export const jobNameLengthMax = 64;

/** The job's name in squeue: `skein-` and the rule's first target's last component, as far as it is plain (`skein-out.txt`). */
export function jobName(rule: { readonly id: number; readonly targets: readonly { readonly path: string }[] }): string {
  const target = rule.targets[0]?.path.split("/").filter((part) => part !== "").at(-1) ?? "";
  const plain = target.replace(/[^A-Za-z0-9._+-]/g, "_");
  return `skein-${plain === "" ? `rule${rule.id}` : plain}`.slice(0, jobNameLengthMax);
}

/**
 * sbatch's arguments for a rule: one task on one node with the rule's cores (whole, at least
 * one), memory (`--mem`, MB), GPUs (`--gres=gpu:N`) and wall time (`--time`, whole minutes),
 * then the user's `-B` options (a partition, an account: they may override the ones before).
 * DISK is not asked for: `--tmp` is refused outright by clusters whose nodes declare no
 * TmpDisk (Slurm's default), which would fail every rule of a workflow written for workers;
 * `-B --tmp=…` asks for it where the nodes declare it.
 */
export function sbatchArguments(rule: { readonly id: number; readonly targets: readonly { readonly path: string }[]; readonly resources: Rule["resources"] }, directory: string, output: string, batchOptions: readonly string[] = []): string[] {
  const { cores, memoryMb, gpus, wallTimeS } = rule.resources;
  const args = ["--parsable", `--job-name=${jobName(rule)}`, "-N", "1", "-n", "1", `--cpus-per-task=${Math.max(1, Math.ceil(cores ?? 1))}`, `--chdir=${directory}`, `--output=${output}`];
  if (memoryMb) args.push(`--mem=${Math.ceil(memoryMb)}M`);
  if (gpus) args.push(`--gres=gpu:${Math.ceil(gpus)}`);
  if (wallTimeS) args.push(`--time=${Math.ceil(wallTimeS / 60)}`);
  return [...args, ...batchOptions];
}

/** Whether `program` is an executable file in a directory of `path` (PATH), as a shell would find it. */
export function onPath(program: string, path: string | undefined): boolean {
  for (const directory of (path ?? "").split(":")) {
    try {
      accessSync(join(directory === "" ? "." : directory, program), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

/** Runs the command and writes its exit code, or `signal N`, to the temporary status file (sh alone cannot tell 137 from SIGKILL). */
const statusPerl = 'system("/bin/sh", "-c", $ARGV[0]); open(my $f, ">", $ARGV[1]) or exit 1; print $f (($? & 127) ? "signal " . ($? & 127) : $? >> 8), "\\n";';

/** The job script: marks its start (`started`, before anything else), enters the directory, runs the command, writes its status. */
export function jobScript(directory: string, exports: string, command: string, status: string, started: string): string {
  const [quotedCommand, tmp] = [shellQuote(command), shellQuote(`${status}.tmp`)];
  const run = `if command -v perl >/dev/null 2>&1; then perl -e ${shellQuote(statusPerl)} ${quotedCommand} ${tmp}; else /bin/sh -c ${quotedCommand}; echo $? > ${tmp}; fi`;
  // a directory the node cannot enter: no status (the job is reported as ended without one),
  // rather than the command run wherever the job started (Slurm falls back to /tmp)
  return `#!/bin/sh\n: > ${shellQuote(started)} 2>/dev/null\ncd ${shellQuote(directory)} || exit 126\n${exports}${run}\nmv ${tmp} ${shellQuote(status)}\n`;
}

/** The job ID in sbatch --parsable's output (`<id>` or `<id>;<cluster>`, last line), or undefined. */
export function parsedJobId(stdout: string): string | undefined {
  const lines = stdout.split("\n").map((line) => line.trim()).filter((line) => line !== "");
  const id = lines.at(-1)?.split(";")[0];
  return id !== undefined && /^[0-9]+$/.test(id) ? id : undefined;
}

/** The job IDs squeue -h -o %i lists (array tasks as `<id>_<index>`, kept as printed). */
export function queuedJobIds(stdout: string): Set<string> {
  return new Set(stdout.split("\n").map((line) => line.trim()).filter((line) => line !== ""));
}

/** What the status file says: an exit code, `signal N`, or undefined when it is neither. */
export function parsedStatus(text: string): { code: number | null; signal: string | null } | undefined {
  if (/^[0-9]+$/.test(text)) return { code: Number(text), signal: null };
  return /^signal [0-9]+$/.test(text) ? { code: null, signal: text } : undefined;
}

/** A file's text, trimmed; empty when it cannot be read. */
export function readText(path: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return "";
  }
}
