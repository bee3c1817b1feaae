// skein-io-adapter: submits jobs with sbatch and tracks them with squeue and status files.
/**
 * `-T slurm`: each task becomes a batch job submitted with `sbatch` with its category's cores,
 * memory, GPUs and wall time (`sbatchArguments`; a shared file system is assumed, as Makeflow assumes for Slurm). The job script
 * writes the command's exit status to a file when it ends; the master polls for those files
 * and asks `squeue` which jobs still exist, so a job that vanishes (cancelled, node lost)
 * fails instead of hanging the workflow. `LOCAL` rules still run on the master.
 *
 * The status file holds the exit code, or `signal N` when the command was killed (out of
 * memory, time limit): perl's `system` sees the wait status, where sh only sees 128+N. A failed
 * task's report carries the end of its job output (`.skein-slurm/<run>-<task>.out`, kept).
 */
import { execFile } from "node:child_process";
import { accessSync, constants, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { Clock, Timer } from "@skein/core";
import { type BackEnd, BackEndError } from "../run/execute.ts";
import type { Executor, ExecutorListener, TaskRequest } from "./executor.ts";
import { outputTail } from "./command-output.ts";
import type { Rule } from "../workflow.ts";
import { exitOutcome } from "./local-executor.ts";

/** Cores' worth of jobs queued in Slurm at once; Slurm itself decides where they run. */
export const slurmCoresQueuedMax = 10_000;
/**
 * sbatch processes at once: a burst of ready tasks (up to `slurmCoresQueuedMax`) would otherwise
 * start thousands, which time out against the controller or exhaust this machine's processes;
 * the rest wait here in order, as upstream Makeflow submits one job at a time.
 */
export const sbatchConcurrentMax = 8;
/** Polls after a job left squeue without writing its status before it counts as lost. */
export const vanishedPollsMax = 5;

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: "utf8" }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
      // Slurm's commands start their own messages with their name (`sbatch: error: …`): said
      // once, and a message of several lines is one line (a reason is said on one line)
      const said = stderr.trim().split("\n").map((line) => line.trim().replace(new RegExp(`^${command}: `), "")).filter((line) => line !== "").join("; ");
      reject(new Error(missing ? `${command} is not on PATH (-T slurm needs Slurm's client commands here)` : `${command}: ${said || error.message}`));
    });
  });
}

const shellQuote = (text: string) => `'${text.replace(/'/g, "'\\''")}'`;

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

function jobScript(directory: string, exports: string, command: string, status: string): string {
  const [quotedCommand, tmp] = [shellQuote(command), shellQuote(`${status}.tmp`)];
  const run = `if command -v perl >/dev/null 2>&1; then perl -e ${shellQuote(statusPerl)} ${quotedCommand} ${tmp}; else /bin/sh -c ${quotedCommand}; echo $? > ${tmp}; fi`;
  // a directory the node cannot enter: no status (the job is reported as ended without one),
  // rather than the command run wherever the job started (Slurm falls back to /tmp)
  return `#!/bin/sh\ncd ${shellQuote(directory)} || exit 126\n${exports}${run}\nmv ${tmp} ${shellQuote(status)}\n`;
}

/** The job ID in sbatch --parsable's output (`<id>` or `<id>;<cluster>`, last line), or undefined. */
export function parsedJobId(stdout: string): string | undefined {
  const lines = stdout.split("\n").map((line) => line.trim()).filter((line) => line !== "");
  const id = lines.at(-1)?.split(";")[0];
  return id !== undefined && /^[0-9]+$/.test(id) ? id : undefined;
}

/** The job IDs squeue -h -o %i lists (array tasks as `<id>_<index>`, kept as printed). */
function queuedJobIds(stdout: string): Set<string> {
  return new Set(stdout.split("\n").map((line) => line.trim()).filter((line) => line !== ""));
}

interface Job {
  readonly request: TaskRequest;
  id: string | undefined;
  vanished: number;
}

/** What the status file says: an exit code, `signal N`, or undefined when it is neither. */
function parsedStatus(text: string): { code: number | null; signal: string | null } | undefined {
  if (/^[0-9]+$/.test(text)) return { code: Number(text), signal: null };
  return /^signal [0-9]+$/.test(text) ? { code: null, signal: text } : undefined;
}

class SlurmExecutor implements Executor {
  readonly info = { id: "slurm", capacity: { cores: slurmCoresQueuedMax, memoryMb: Number.MAX_SAFE_INTEGER, diskMb: Number.MAX_SAFE_INTEGER, gpus: 1_000 }, runsLocalRules: false, runsRemoteRules: true, fastAbort: false };
  private readonly jobs = new Map<number, Job>();
  private readonly timer: Timer;
  private polling = false;
  private readonly scratch: string;
  /**
   * Names this run's job files (`<tag>-<task>.sh`, `.out`, `.status`): a job of an earlier run
   * — its master killed, the job still queued or running in Slurm — writes its status under
   * its own run's name, never one this run reads as its task's (task numbers restart at 0).
   */
  private readonly tag: string;
  /** Jobs waiting for an sbatch of their own (at most `sbatchConcurrentMax` run). */
  private readonly unsubmitted: Array<{ job: Job; args: string[] }> = [];
  private submitting = 0;
  /** The last squeue failure reported (said once, not every poll), or undefined while it works. */
  private squeueFailure: string | undefined;

  constructor(
    private readonly directory: string,
    private readonly listener: ExecutorListener,
    clock: Clock,
    pollMs: number,
    private readonly report: (text: string) => void,
    private readonly batchOptions: readonly string[],
  ) {
    this.scratch = join(directory, ".skein-slurm");
    try {
      mkdirSync(this.scratch, { recursive: true });
    } catch (error) {
      throw new BackEndError(`-T slurm: cannot create ${this.scratch} for job scripts and statuses (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    this.tag = `${clock.epochMs().toString(36)}-${process.pid.toString(36)}`;
    this.timer = clock.setPeriodic(pollMs, () => void this.poll());
  }

  private file(task: number, kind: "sh" | "out" | "status"): string {
    return join(this.scratch, `${this.tag}-${task}.${kind}`);
  }

  /** A finished job's files go; a failed job's output stays for the user to read. */
  private removeFiles(task: number, ok: boolean): void {
    for (const kind of ok ? (["sh", "status", "out"] as const) : (["sh", "status"] as const)) rmSync(this.file(task, kind), { force: true });
  }

  start(request: TaskRequest): void {
    const { task, rule } = request;
    const status = this.file(task, "status");
    const exports = Object.entries(rule.environment).map(([k, v]) => `export ${k}=${shellQuote(v)}\n`).join("");
    const script = jobScript(this.directory, exports, rule.command, status);
    const scriptPath = this.file(task, "sh");
    try {
      mkdirSync(this.scratch, { recursive: true }); // another run here may have removed it, empty, as it ended
      writeFileSync(scriptPath, script, { mode: 0o755 });
    } catch (error) {
      queueMicrotask(() => this.listener.finished(task, { ok: false, reason: `cannot write the job script ${scriptPath} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` }));
      return;
    }
    const args = sbatchArguments(rule, this.directory, this.file(task, "out"), this.batchOptions);
    const job: Job = { request, id: undefined, vanished: 0 };
    this.jobs.set(task, job);
    this.unsubmitted.push({ job, args: [...args, scriptPath] });
    this.submit();
  }

  /** Starts sbatch for waiting jobs, in order, while fewer than `sbatchConcurrentMax` run. */
  private submit(): void {
    while (this.submitting < sbatchConcurrentMax && this.unsubmitted.length > 0) {
      const { job, args } = this.unsubmitted.shift()!;
      const task = job.request.task;
      if (this.jobs.get(task) !== job) continue; // aborted while it waited
      this.submitting++;
      this.sbatch(task, job, args).finally(() => {
        this.submitting--;
        this.submit();
      });
    }
  }

  private sbatch(task: number, job: Job, args: string[]): Promise<void> {
    return run("sbatch", args).then(
      (stdout) => {
        job.id = parsedJobId(stdout);
        // without a job ID the job could never be seen to vanish: the task would wait forever
        if (job.id === undefined) return this.finish(task, { ok: false, reason: `sbatch printed no job ID (it printed ${JSON.stringify(stdout.trim().slice(0, 200))})` });
        if (this.jobs.get(task) !== job) void run("scancel", [job.id]).catch(() => undefined); // aborted while sbatch ran
      },
      (error: Error) => {
        this.removeFiles(task, false); // no job ran: its script goes
        this.finish(task, { ok: false, reason: `sbatch failed: ${error.message.replace(/^sbatch: /, "")}` });
      },
    );
  }

  private finish(task: number, outcome: Parameters<ExecutorListener["finished"]>[1]): void {
    if (!this.jobs.delete(task)) return;
    this.listener.finished(task, outcome);
  }

  private async poll(): Promise<void> {
    if (this.polling || this.jobs.size === 0) return;
    this.polling = true;
    try {
      // squeue only tells vanished jobs: while it fails, statuses are still read
      let queued: Set<string> | undefined;
      try {
        queued = queuedJobIds(await run("squeue", ["-h", "-o", "%i"]));
        if (this.squeueFailure !== undefined) this.report("skein flow: squeue works again\n");
        this.squeueFailure = undefined;
      } catch (error) {
        const message = (error as Error).message;
        if (message !== this.squeueFailure) this.report(`skein flow: ${message} (jobs that vanish are not noticed until it works again)\n`);
        this.squeueFailure = message;
      }
      const present = this.scratchNames(); // one directory read a poll, not a lookup per job
      for (const [task, job] of [...this.jobs].sort((a, b) => a[0] - b[0])) {
        const status = this.file(task, "status");
        if (present.has(basename(status))) {
          const text = readText(status);
          const parsed = parsedStatus(text);
          if (parsed === undefined) {
            const reason = `Slurm job${job.id === undefined ? "" : ` ${job.id}`} left an unreadable status ${JSON.stringify(text.slice(0, 40))} in ${status}`;
            rmSync(this.file(task, "sh"), { force: true }); // the status stays: the reason names it
            this.finish(task, { ok: false, reason });
            continue;
          }
          const outcome = exitOutcome(job.request.rule, this.directory, parsed.code, parsed.signal);
          const output = outcome.ok ? undefined : outputTail(this.file(task, "out"));
          this.removeFiles(task, outcome.ok);
          this.finish(task, outcome.ok || output === undefined ? outcome : { ...outcome, output });
        } else if (queued && job.id && !queued.has(job.id) && ++job.vanished > vanishedPollsMax) {
          this.removeFiles(task, false);
          // its output says why when Slurm wrote it (`*** JOB 7 ON n1 CANCELLED AT … ***`)
          const output = outputTail(this.file(task, "out"));
          const outcome = { ok: false as const, reason: `Slurm job ${job.id} ended without an exit status (cancelled or lost)` };
          this.finish(task, output === undefined ? outcome : { ...outcome, output });
        }
      }
    } finally {
      this.polling = false;
    }
  }

  private scratchNames(): Set<string> {
    try {
      return new Set(readdirSync(this.scratch));
    } catch {
      return new Set();
    }
  }

  abort(task: number): void {
    const job = this.jobs.get(task);
    this.jobs.delete(task);
    if (job) this.removeFiles(task, false);
    if (job?.id) void run("scancel", [job.id]).catch(() => undefined);
  }

  /** Cancels every job still queued or running, with one scancel. */
  async close(): Promise<void> {
    this.timer.cancel();
    const ids = [...this.jobs.values()].flatMap((job) => (job.id === undefined ? [] : [job.id]));
    for (const task of this.jobs.keys()) this.removeFiles(task, false);
    this.jobs.clear(); // those sbatch has not answered for are cancelled when it does
    this.unsubmitted.length = 0;
    if (ids.length > 0) void run("scancel", ids).catch(() => undefined);
    // left empty (every job done, no failed job's output kept): the directory goes too
    try {
      rmdirSync(this.scratch);
    } catch {
      // not empty, or already gone
    }
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return "";
  }
}

export const slurmBackEnd: BackEnd = async ({ loaded, init, listener, clock, output }) => {
  // said once, before anything runs, rather than as a task's failure (squeue's is said when
  // it fails, and the run goes on; scancel's failures are not the run's)
  if (!onPath("sbatch", process.env.PATH)) throw new BackEndError("-T slurm: sbatch is not on PATH (-T slurm needs Slurm's client commands here): nothing ran");
  listener.joined(new SlurmExecutor(loaded.directory, listener, clock, init.slurmPollMs ?? 1_000, (text) => output.err(text), init.batchOptions ?? []));
  return { close: async () => undefined };
};
