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
 *
 * A job pending in Slurm has not started: the job script marks its start (`.started`), and the
 * master tells the scheduler then (`running`; the executor has `startsReported`), so a stop
 * counts it as not started and its duration runs from its start. A cancelled job's files go
 * once it has left squeue (Slurm writes its CANCELLED line into `.out` as the job ends, after
 * the cancel): a stop waits for that, at most `cancelledWaitMsMax`.
 */
import { mkdirSync, readdirSync, rmdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Clock, Timer } from "@skein/core";
import { type BackEnd, BackEndError } from "../run/execute.ts";
import type { Executor, ExecutorListener, TaskRequest } from "./executor.ts";
import { outputTail } from "./command-output.ts";
import { exitOutcome } from "./local-executor.ts";
import { jobScript, onPath, parsedJobId, parsedStatus, queuedJobIds, readText, run, sbatchArguments, shellQuote } from "./slurm-jobs.ts";

export { jobName, jobNameLengthMax, onPath, parsedJobId, sbatchArguments } from "./slurm-jobs.ts";

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
/** How long a run's end waits for the jobs it cancelled to leave squeue before removing their files. */
export const cancelledWaitMsMax = 10_000;
/** How often that wait asks squeue. */
export const cancelledPollMs = 200;
/** A Slurm command at a run's end (scancel, squeue) that takes longer is given up: the run still ends. */
export const endCommandTimeoutMs = 10_000;

interface Job {
  readonly request: TaskRequest;
  id: string | undefined;
  vanished: number;
  /** Its start marker was seen: the scheduler was told (`running`). */
  started: boolean;
}

type JobFile = "sh" | "out" | "status" | "started";

/** Slurm as one executor: what the scheduler knows of it (a dry run asks its scheduler the same). */
export const slurmExecutorInfo = { id: "slurm", capacity: { cores: slurmCoresQueuedMax, memoryMb: Number.MAX_SAFE_INTEGER, diskMb: Number.MAX_SAFE_INTEGER, gpus: 1_000 }, runsLocalRules: false, runsRemoteRules: true, fastAbort: false, startsReported: true } as const;

class SlurmExecutor implements Executor {
  readonly info = slurmExecutorInfo;
  private readonly jobs = new Map<number, Job>();
  private readonly timer: Timer;
  private polling = false;
  private readonly scratch: string;
  /**
   * Names this run's job files (`<tag>-<task>.sh`, `.out`, `.status`, `.started`): a job of an
   * earlier run — its master killed, the job still queued or running in Slurm — writes under
   * its own run's name, never one this run reads as its task's (task numbers restart at 0).
   */
  private readonly tag: string;
  /** Jobs waiting for an sbatch of their own (at most `sbatchConcurrentMax` run). */
  private readonly unsubmitted: Array<{ job: Job; args: string[] }> = [];
  private submitting = 0;
  /** The last squeue failure reported (said once, not every poll), or undefined while it works. */
  private squeueFailure: string | undefined;
  /** Cancelled jobs still in squeue, by job ID: their task, whose files go once the job has left. */
  private readonly cancelled = new Map<string, number>();
  /** Job IDs to cancel, with one scancel after the current turn (a stop aborts every task at once). */
  private toCancel: string[] = [];

  constructor(
    private readonly directory: string,
    private readonly listener: ExecutorListener,
    private readonly clock: Clock,
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

  private name(task: number, kind: JobFile): string {
    return `${this.tag}-${task}.${kind}`;
  }

  private file(task: number, kind: JobFile): string {
    return join(this.scratch, this.name(task, kind));
  }

  /** A finished job's files go; a failed job's output stays for the user to read. */
  private removeFiles(task: number, ok: boolean): void {
    for (const kind of ok ? (["sh", "status", "started", "out"] as const) : (["sh", "status", "started"] as const)) rmSync(this.file(task, kind), { force: true });
  }

  start(request: TaskRequest): void {
    const { task, rule } = request;
    const exports = Object.entries(rule.environment).map(([k, v]) => `export ${k}=${shellQuote(v)}\n`).join("");
    const script = jobScript(this.directory, exports, rule.command, this.file(task, "status"), this.file(task, "started"));
    const scriptPath = this.file(task, "sh");
    try {
      mkdirSync(this.scratch, { recursive: true }); // another run here may have removed it, empty, as it ended
      writeFileSync(scriptPath, script, { mode: 0o755 });
    } catch (error) {
      queueMicrotask(() => this.listener.finished(task, { ok: false, reason: `cannot write the job script ${scriptPath} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` }));
      return;
    }
    const args = sbatchArguments(rule, this.directory, this.file(task, "out"), this.batchOptions);
    const job: Job = { request, id: undefined, vanished: 0, started: false };
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
        if (this.jobs.get(task) !== job) this.cancel(job.id, task); // aborted while sbatch ran
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
    if (this.polling || (this.jobs.size === 0 && this.cancelled.size === 0)) return;
    this.polling = true;
    try {
      const queued = await this.squeue();
      if (queued) this.forgetCancelled(queued);
      const present = this.scratchNames(); // one directory read a poll, not a lookup per job
      const report = () => {
        for (const [task, job] of [...this.jobs].sort((a, b) => a[0] - b[0])) this.check(task, job, present, queued);
      };
      if (this.listener.batch) this.listener.batch(report);
      else report();
    } finally {
      this.polling = false;
    }
  }

  /** The job IDs squeue lists, or undefined while it fails (said once, and its recovery). */
  private async squeue(timeoutMs = 0): Promise<Set<string> | undefined> {
    try {
      const queued = queuedJobIds(await run("squeue", ["-h", "-o", "%i"], timeoutMs));
      if (this.squeueFailure !== undefined) this.report("skein flow: squeue works again\n");
      this.squeueFailure = undefined;
      return queued;
    } catch (error) {
      const message = (error as Error).message;
      if (message !== this.squeueFailure) this.report(`skein flow: ${message} (jobs that vanish are not noticed until it works again)\n`);
      this.squeueFailure = message;
      return undefined;
    }
  }

  /** One job at a poll: started (its marker), ended (its status), or vanished from squeue. */
  private check(task: number, job: Job, present: Set<string>, queued: Set<string> | undefined): void {
    if (!job.started && present.has(this.name(task, "started"))) {
      job.started = true;
      this.listener.running?.(task);
    }
    if (!this.jobs.has(task)) return; // the scheduler aborted it as it started (the run stopped)
    const status = this.file(task, "status");
    if (present.has(this.name(task, "status"))) {
      const text = readText(status);
      const parsed = parsedStatus(text);
      if (parsed === undefined) {
        const reason = `Slurm job${job.id === undefined ? "" : ` ${job.id}`} left an unreadable status ${JSON.stringify(text.slice(0, 40))} in ${status}`;
        rmSync(this.file(task, "sh"), { force: true }); // the status stays: the reason names it
        return this.finish(task, { ok: false, reason });
      }
      const outcome = { ...exitOutcome(job.request.rule, this.directory, parsed.code, parsed.signal), ...this.ranMs(task) };
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

  /** How long the command ran, from its start marker to its status (both written on its node): `{ durationMs }`, or nothing. */
  private ranMs(task: number): { durationMs?: number } {
    try {
      return { durationMs: Math.max(0, Math.round(statSync(this.file(task, "status")).mtimeMs - statSync(this.file(task, "started")).mtimeMs)) };
    } catch {
      return {};
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
    if (!job) return;
    this.removeFiles(task, false);
    if (job.id) this.cancel(job.id, task);
    else rmSync(this.file(task, "out"), { force: true }); // sbatch has not answered: cancelled when it does
  }

  /** Cancels the job (one scancel for all those cancelled in one turn); its files go once it left squeue. */
  private cancel(id: string, task: number): void {
    this.cancelled.set(id, task);
    this.toCancel.push(id);
    if (this.toCancel.length === 1) queueMicrotask(() => void this.scancel());
  }

  private scancel(): Promise<unknown> {
    const ids = this.toCancel;
    this.toCancel = [];
    return ids.length === 0 ? Promise.resolve() : run("scancel", ids, endCommandTimeoutMs).catch(() => undefined);
  }

  /** Removes the files of cancelled jobs squeue no longer lists (Slurm has written its last line to `.out`). */
  private forgetCancelled(queued: Set<string>): void {
    for (const [id, task] of this.cancelled) {
      if (queued.has(id)) continue;
      this.cancelled.delete(id);
      for (const kind of ["sh", "status", "started", "out"] as const) rmSync(this.file(task, kind), { force: true });
    }
  }

  /**
   * Cancels every job still queued or running, with one scancel, and waits (at most
   * `cancelledWaitMsMax`) for the cancelled jobs to leave squeue before removing their files,
   * so the directory is left as a run that was not stopped leaves it.
   */
  async close(): Promise<void> {
    this.timer.cancel();
    for (const [task, job] of this.jobs) {
      this.removeFiles(task, false);
      if (job.id !== undefined) this.cancel(job.id, task);
    }
    this.jobs.clear(); // those sbatch has not answered for are cancelled when it does
    this.unsubmitted.length = 0;
    await this.scancel();
    const endMs = this.clock.nowMs() + cancelledWaitMsMax;
    while ((this.cancelled.size > 0 || this.submitting > 0) && this.clock.nowMs() < endMs) {
      await new Promise<void>((resolve) => this.clock.setTimer(cancelledPollMs, resolve));
      await this.scancel(); // jobs whose sbatch answered meanwhile
      const queued = this.cancelled.size > 0 ? await this.squeue(endCommandTimeoutMs) : undefined;
      if (queued) this.forgetCancelled(queued);
    }
    if (this.cancelled.size > 0) this.report(`skein flow: ${this.cancelled.size} cancelled Slurm ${this.cancelled.size === 1 ? "job was" : "jobs were"} still in squeue after ${cancelledWaitMsMax / 1000} s (${[...this.cancelled.keys()].slice(0, 10).join(", ")}): their output may still appear in ${this.scratch}\n`);
    // left empty (every job done, no failed job's output kept): the directory goes too
    try {
      rmdirSync(this.scratch);
    } catch {
      // not empty, or already gone
    }
  }
}

export const slurmBackEnd: BackEnd = async ({ loaded, init, listener, clock, output }) => {
  // said once, before anything runs, rather than as a task's failure (squeue's is said when
  // it fails, and the run goes on; scancel's failures are not the run's)
  if (!onPath("sbatch", process.env.PATH)) throw new BackEndError("-T slurm: sbatch is not on PATH (-T slurm needs Slurm's client commands here): nothing ran");
  listener.joined(new SlurmExecutor(loaded.directory, listener, clock, init.slurmPollMs ?? 1_000, (text) => output.err(text), init.batchOptions ?? []));
  return { close: async () => undefined };
};
