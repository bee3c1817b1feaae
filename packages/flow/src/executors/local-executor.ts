// skein-io-adapter: runs commands as local processes and checks their targets on disk.
/**
 * Runs tasks on this machine, as many at once as the scheduler places on it (its cores).
 * Commands start through a ProcessLauncher (a small forking process, not Node itself), which
 * also holds the tasks placed beyond the free cores (`pipelineCores`) and starts each the moment
 * a core frees up. After a command succeeds, every declared target must exist, or the task
 * fails naming the missing files.
 */
import { existsSync } from "node:fs";
import { writtenPath } from "../language/canonical-path.ts";
import { absolutePath } from "../paths.ts";
import type { ExecutorInfo, TaskOutcome } from "../schedule/types.ts";
import type { Rule } from "../workflow.ts";
import { type Executor, type ExecutorListener, killedBy, missingList, type TaskRequest } from "./executor.ts";
import { GpuDevices } from "./local-gpus.ts";
import { type CommandExit, ProcessLauncher } from "./process-launcher.ts";
import { missingDirectory } from "./working-directory.ts";

export { simpleArgv } from "./process-launcher.ts";

export interface LocalExecutorInit {
  readonly info: ExecutorInfo;
  /** The workflow's directory: commands run there, targets are checked there. */
  readonly directory: string;
  /** Where the commands' standard output goes (an fd; 1 or 2). */
  readonly outputFd: number;
  /**
   * Runs a nested workflow rule (MAKEFLOW file [dir]) in-process; resolves to its outcome once
   * that run is over (its commands ended, its log closed). `stop` is aborted when the task is:
   * the nested run then stops as an interrupted run does.
   */
  readonly runNested?: (rule: Rule, stop: AbortSignal) => Promise<TaskOutcome>;
  /**
   * Told once when a command failed because `directory` is gone (removed during the run): no
   * later command can run there either, so the run should stop rather than start them (and
   * retry them) one by one, each failing the same way. The task itself fails for good.
   */
  readonly directoryGone?: (reason: string) => void;
  /** This machine's GPU devices, handed out to GPU rules in `CUDA_VISIBLE_DEVICES` (see GpuDevices). */
  readonly gpuDevices?: readonly string[];
}

/** Declared targets that do not exist after a successful command, named as the workflow wrote them. */
export function missingTargets(rule: Rule, directory: string): string[] {
  const missing: string[] = [];
  for (const target of rule.targets) if (!existsSync(absolutePath(directory, target.path))) missing.push(writtenPath(target));
  return missing;
}

export function exitOutcome(rule: Rule, directory: string, code: number | null, signal: string | null, durationMs?: number): TaskOutcome {
  let reason: string | undefined;
  if (signal) reason = killedBy(signal);
  else if (code !== 0) reason = `exit code ${code}`;
  else {
    const missing = missingTargets(rule, directory);
    if (missing.length > 0) reason = `the command succeeded but did not create ${missingList(missing)}`;
  }
  if (durationMs === undefined) return reason === undefined ? { ok: true } : { ok: false, reason };
  return reason === undefined ? { ok: true, durationMs } : { ok: false, reason, durationMs };
}

export class LocalExecutor implements Executor {
  readonly info: ExecutorInfo;
  private readonly rules = new Map<number, Rule>();
  private readonly aborted = new Set<number>();
  private readonly nestedWaiting: TaskRequest[] = [];
  /** Nested runs in progress, by task: each one's stop, and its end (close waits for it). */
  private readonly nestedRunning = new Map<number, { stop: AbortController; ended: Promise<void> }>();
  private readonly launcher: ProcessLauncher;
  private directoryGoneSaid = false;
  private readonly gpus: GpuDevices;

  constructor(
    private readonly init: LocalExecutorInit,
    private readonly listener: ExecutorListener,
  ) {
    this.info = init.info;
    this.gpus = new GpuDevices(init.gpuDevices ?? []);
    // Tasks the scheduler places beyond the free cores (info.pipelineCores) wait in the launcher.
    // Ends are reported in batches while more than half the pipeline still waits in the launcher.
    const holdReports = Math.floor((init.info.pipelineCores ?? 0) / 2);
    this.launcher = new ProcessLauncher({
      directory: init.directory,
      stdout: init.outputFd,
      coresMax: init.info.capacity.cores,
      holdReports,
      exited: (task, exit) => this.exited(task, exit),
      batch: listener.batch ? (report) => listener.batch!(report) : undefined,
    });
  }

  start(request: TaskRequest): void {
    const { rule, task } = request;
    if (rule.nested && this.init.runNested) {
      this.nestedWaiting.push(request);
      this.startNested();
      return;
    }
    this.rules.set(task, rule);
    const environment = this.gpus.take(task, rule.resources.gpus, rule.environment);
    this.launcher.run({ id: task, command: rule.command, environment, cores: rule.resources.cores ?? 1 });
  }

  private exited(task: number, exit: CommandExit): void {
    const rule = this.rules.get(task)!;
    this.rules.delete(task);
    this.gpus.release(task);
    const outcome: TaskOutcome = exit.lost ? { ok: false, reason: exit.lost } : exitOutcome(rule, this.init.directory, exit.code, exit.signal, exit.durationMs);
    // a command that ran in a directory removed under it fails of that: said with its failure,
    // for good (a retry would run there too), and the run is told to stop
    const gone = outcome.ok ? undefined : missingDirectory(this.init.directory);
    if (outcome.ok || gone === undefined) return this.report(task, outcome);
    this.report(task, { ...outcome, reason: outcome.reason.includes(gone) ? outcome.reason : `${outcome.reason}; its ${gone}`, permanent: true });
    if (this.directoryGoneSaid) return;
    this.directoryGoneSaid = true;
    this.init.directoryGone?.(`the workflow's ${gone} (removed during the run): no command can run there`);
  }

  private report(task: number, outcome: TaskOutcome): void {
    if (this.aborted.delete(task)) return;
    this.listener.finished(task, outcome);
  }

  /**
   * Nested workflows run in this process, not through the launcher, so its queue does not
   * hold them back: at most `cores` run at once (each runs its own rules with -j cores), the
   * rest of the pipeline's share waits here in order.
   */
  private startNested(): void {
    while (this.nestedRunning.size < this.info.capacity.cores && this.nestedWaiting.length > 0) {
      const { rule, task } = this.nestedWaiting.shift()!;
      const stop = new AbortController();
      const finish = (outcome: TaskOutcome) => {
        this.nestedRunning.delete(task);
        this.report(task, outcome);
        this.startNested();
      };
      const ended = this.init.runNested!(rule, stop.signal).then(finish, (error: Error) => finish({ ok: false, reason: `nested workflow: ${error.message}` }));
      this.nestedRunning.set(task, { stop, ended });
    }
  }

  abort(task: number): void {
    if (this.rules.delete(task)) {
      this.gpus.release(task);
      this.launcher.kill(task);
      return;
    }
    const waiting = this.nestedWaiting.findIndex((request) => request.task === task);
    if (waiting >= 0) {
      this.nestedWaiting.splice(waiting, 1);
      return;
    }
    const nested = this.nestedRunning.get(task);
    if (nested === undefined) return;
    // a running nested workflow is stopped; its outcome is dropped when it comes
    this.aborted.add(task);
    nested.stop.abort();
  }

  /**
   * Resolves once no command it started runs any more, nested workflows' included: the run
   * around them must not end (print its last lines, release its log, let the process exit)
   * while a nested run it started still kills its commands or writes its log.
   */
  async close(): Promise<void> {
    this.nestedWaiting.length = 0;
    for (const nested of this.nestedRunning.values()) nested.stop.abort();
    await Promise.all([this.launcher.close(), ...[...this.nestedRunning.values()].map((nested) => nested.ended)]);
  }
}
