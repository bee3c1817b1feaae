// Test support, outside src: builds each back end's real executor for the conformance suite.
/**
 * Adapters from flow's three back ends to testkit's executor conformance harness. Each builds
 * the executor the way `skein flow` does — `LocalExecutor` directly, the workers and Slurm
 * executors through their `BackEnd` (a real TCP master with one in-process worker; `sbatch`
 * against the cluster in `SLURM_CONF`) — and turns the suite's plain tasks into rules.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { realClock } from "@skein/net";
import { conformanceCores, type ExecutorUnderTest, type TaskReport, type TaskSpec } from "@skein/testkit";
import type { Executor, ExecutorListener } from "../src/executors/executor.ts";
import { LocalExecutor } from "../src/executors/local-executor.ts";
import type { BackEnd, BackEndContext } from "../src/run/execute.ts";
import { type Loaded, runFlow } from "../src/run/run-flow.ts";
import type { RunInit } from "../src/run/run-options.ts";
import type { TaskOutcome } from "../src/schedule/types.ts";
import type { FileReference, Rule } from "../src/workflow.ts";
import { startWorker } from "../src/workers/worker.ts";

const clock = realClock();
const location = { file: "conformance", line: 1, column: 1 };
const reference = (path: string): FileReference => ({ path, remoteName: path, location });

/** The rule the scheduler would place for a task of the suite. */
export function ruleOf(task: number, spec: TaskSpec): Rule {
  return {
    id: task,
    targets: (spec.targets ?? []).map(reference),
    sources: (spec.sources ?? []).map(reference),
    command: spec.command,
    local: false,
    category: "default",
    resources: spec.cores === undefined ? {} : { cores: spec.cores },
    environment: spec.environment ?? {},
    nested: undefined,
    location,
  };
}

/** Collects reports by task; `joined` resolves with the first executor that joins. */
class Reports implements ExecutorListener {
  private readonly waiting = new Map<number, (outcome: TaskOutcome) => void>();
  private resolveJoined!: (executor: Executor) => void;
  readonly joinedExecutor = new Promise<Executor>((resolve) => {
    this.resolveJoined = resolve;
  });
  joined(executor: Executor): void {
    this.resolveJoined(executor);
  }
  left(): void {}
  finished(task: number, outcome: TaskOutcome): void {
    const resolve = this.waiting.get(task);
    if (!resolve) throw new Error(`task ${task} was reported twice, or was never started`);
    this.waiting.delete(task);
    resolve(outcome);
  }
  under(executor: Executor, close: () => Promise<void>): ExecutorUnderTest {
    return {
      start: (task, spec) =>
        new Promise<TaskReport>((resolve) => {
          this.waiting.set(task, resolve);
          executor.start({ task, rule: ruleOf(task, spec), attempt: 1 });
        }),
      abort: (task) => executor.abort(task),
      close: async () => {
        await executor.close();
        await close();
      },
    };
  }
}

export function localExecutor(directory: string): ExecutorUnderTest {
  const reports = new Reports();
  const capacity = { cores: conformanceCores, memoryMb: 1_000, diskMb: 1_000, gpus: 0 };
  const info = { id: "local", capacity, runsLocalRules: true, runsRemoteRules: true, fastAbort: false };
  // Commands' stdout goes to our stderr: the test runner reads our stdout.
  return reports.under(new LocalExecutor({ info, directory, outputFd: 2 }, reports), async () => undefined);
}

/** The context a back end is started with; back ends read only the directory of `loaded`. */
function backEndContext(directory: string, init: Partial<RunInit>, listener: ExecutorListener): BackEndContext {
  return {
    loaded: { directory } as Loaded,
    init: { file: join(directory, "w.mf"), ...init },
    listener,
    output: { out: () => {}, err: () => {} },
    clock,
    local: { cores: conformanceCores, memoryMb: 1_000 },
    runNested: async () => ({ ok: false, reason: "no nested workflows here" }),
  };
}

/** A workers master on an OS-chosen port, with one in-process worker offering the suite's cores. */
export async function workersExecutor(directory: string): Promise<ExecutorUnderTest> {
  const { workersBackEnd } = await import("../src/workers/worker-back-end.ts");
  const reports = new Reports();
  const workDirectory = mkdtempSync(join(tmpdir(), "skein-conformance-worker-"));
  let closed: Promise<string> | undefined;
  const onListening = (port: number) => {
    closed = startWorker({ host: "127.0.0.1", port, cores: conformanceCores, workDirectory }, { clock }).closed;
  };
  const backEnd = await workersBackEnd(backEndContext(directory, { port: 0, onListening }, reports));
  const executor = await reports.joinedExecutor;
  return reports.under(executor, async () => {
    await backEnd.close();
    await closed;
    rmSync(workDirectory, { recursive: true, force: true });
  });
}

export async function slurmExecutor(directory: string): Promise<ExecutorUnderTest> {
  const { slurmBackEnd } = await import("../src/executors/slurm-back-end.ts");
  const reports = new Reports();
  const backEnd: Awaited<ReturnType<BackEnd>> = await slurmBackEnd(backEndContext(directory, { slurmPollMs: 100 }, reports));
  return reports.under(await reports.joinedExecutor, () => backEnd.close());
}

/** `skein flow file` with a back end; stdout is dropped, stderr returned. */
export async function runFlowWith(file: string, init: Partial<RunInit>): Promise<{ code: number; err: string }> {
  let err = "";
  const output = { out: () => {}, err: (text: string) => (err += text) };
  const code = await runFlow({ file, progress: false, environment: {}, ...init }, { clock, random: Math.random, output });
  return { code, err };
}

/** `skein flow -T workers` with one in-process worker offering the suite's cores. */
export async function runFlowWithWorker(file: string): Promise<{ code: number; err: string }> {
  const workDirectory = mkdtempSync(join(tmpdir(), "skein-conformance-worker-"));
  let closed: Promise<string> | undefined;
  try {
    const onListening = (port: number) => {
      closed = startWorker({ host: "127.0.0.1", port, cores: conformanceCores, workDirectory }, { clock }).closed;
    };
    const result = await runFlowWith(file, { target: "workers", port: 0, onListening });
    await closed;
    return result;
  } finally {
    rmSync(workDirectory, { recursive: true, force: true });
  }
}
