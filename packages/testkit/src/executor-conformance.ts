// skein-io-adapter: test support: runs real executors on real files and processes.
/**
 * The executor conformance suite: what every flow back end promises the scheduler, whether a
 * task runs as a local process, on a worker that called home, or as a Slurm job. Each case is
 * one promise; a back end that must differ skips that case with its reason (`skips`), and a
 * back end that cannot run on this machine says so instead of passing.
 *
 * The shared interface is flow's `Executor` (start, abort, close, and one report per task):
 * the cases drive it directly, and two end-to-end cases (cores, a small DAG) go through
 * `skein flow` with the back end, because concurrency is decided by scheduler and back end
 * together. Aborting is silent at this level: the executor kills the task and drops its
 * outcome; the scheduler reports the rule aborted (see the scheduler's tests).
 *
 * Commands are trivial (`touch`, `cat`, short sleeps) and every wait is bounded.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { processIsRunning } from "./process-state.ts";
import { setTimeout as sleep } from "node:timers/promises";
import type { ExecutorCase, ExecutorHarness, ExecutorUnderTest, TaskReport } from "./executor-harness.ts";

/** Bound on waiting for a process to die or a file to appear. */
const waitMsMax = 15_000;

/** A promise's outcome, readable without awaiting it. */
function track<T>(promise: Promise<T>): { done: boolean; value?: T } {
  const state: { done: boolean; value?: T } = { done: false };
  void promise.then((value) => Object.assign(state, { done: true, value }));
  return state;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waitedMs = 0; !condition(); waitedMs += 20) {
    if (waitedMs > waitMsMax) throw new Error(`timed out after ${waitMsMax} ms waiting for ${what}`);
    await sleep(20);
  }
}

function pidIn(path: string): number | undefined {
  const text = existsSync(path) ? readFileSync(path, "utf8").trim() : "";
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

/** Asserts a success; a run time, when the back end measured one, must be a sane number. */
function succeeded(report: TaskReport): void {
  assert.equal(report.ok, true, `the task should have succeeded: ${JSON.stringify(report)}`);
  const { durationMs } = report as { durationMs?: number };
  if (durationMs !== undefined) assert.ok(Number.isFinite(durationMs) && durationMs >= 0 && durationMs < waitMsMax, `run time ${durationMs} ms`);
}

function failed(report: TaskReport): { reason: string; output?: string } {
  assert.equal(report.ok, false, "the task should have failed");
  return report as { reason: string; output?: string };
}

interface Workspace {
  /** The master's directory. */
  readonly work: string;
  /** A directory outside it, for pid files and markers commands write by absolute path. */
  readonly probe: string;
}

/** Registers the suite for one back end. */
export function executorConformance(harness: ExecutorHarness): void {
  describe(`${harness.name} executor conformance`, { skip: harness.unavailable }, () => {
    const roots: string[] = [];
    before(async () => harness.setUp?.());
    after(async () => {
      await harness.tearDown?.();
      for (const root of roots) rmSync(root, { recursive: true, force: true });
    });
    const workspace = (): Workspace => {
      const root = mkdtempSync(join(tmpdir(), `skein-conformance-${harness.name}-`));
      roots.push(root);
      const ws = { work: join(root, "work"), probe: join(root, "probe") };
      mkdirSync(ws.work);
      mkdirSync(ws.probe);
      return ws;
    };
    const options = (name: ExecutorCase) => ({ skip: harness.skips?.[name], timeout: harness.timeoutMs ?? 30_000 });
    const withExecutor = (name: ExecutorCase, title: string, body: (executor: ExecutorUnderTest, ws: Workspace) => Promise<void>) =>
      test(`${harness.name}: ${title}`, options(name), async () => {
        const ws = workspace();
        const executor = await harness.executor(ws.work);
        try {
          await body(executor, ws);
        } finally {
          await executor.close();
        }
      });
    const withFlow = (name: ExecutorCase, title: string, body: (ws: Workspace, file: string) => Promise<void>) =>
      test(`${harness.name}: ${title}`, options(name), async () => {
        const ws = workspace();
        await body(ws, join(ws.work, "w.mf"));
      });

    withExecutor("success", "a command that exits 0 is reported done", async (executor, ws) => {
      succeeded(await executor.start(1, { command: "touch done", targets: ["done"] }));
      assert.ok(existsSync(join(ws.work, "done")));
    });

    withExecutor("exit-code", "a command exiting non-zero is reported failed with its exit code", async (executor) => {
      assert.match(failed(await executor.start(1, { command: "exit 3" })).reason, /^exit code 3$/);
    });

    // The launcher reports "signal 9"; Node's spawn (the fallback) names it SIGKILL.
    withExecutor("signal", "a command killed by a signal reports the signal", async (executor) => {
      assert.match(failed(await executor.start(1, { command: "kill -9 $$" })).reason, /^killed by SIGKILL \(signal 9\)$/);
    });

    withExecutor("outputs", "declared outputs (a file, a nested file, a tree) land in the master's directory", async (executor, ws) => {
      const command = "echo made > out.txt && mkdir -p sub tree/a && echo deep > sub/deep.txt && echo leaf > tree/a/leaf";
      succeeded(await executor.start(1, { command, targets: ["out.txt", "sub/deep.txt", "tree"] }));
      assert.equal(readFileSync(join(ws.work, "out.txt"), "utf8"), "made\n");
      assert.equal(readFileSync(join(ws.work, "sub", "deep.txt"), "utf8"), "deep\n");
      assert.equal(readFileSync(join(ws.work, "tree", "a", "leaf"), "utf8"), "leaf\n");
    });

    withExecutor("missing-target", "a command that succeeds without making a target fails, naming it", async (executor) => {
      const report = failed(await executor.start(1, { command: "touch made", targets: ["made", "never"] }));
      assert.equal(report.reason, "the command succeeded but did not create never");
      // a rule of many targets: the first ten are named and the rest counted, on every back end
      const targets = Array.from({ length: 13 }, (_, i) => `t${i}`);
      const many = failed(await executor.start(2, { command: "touch made", targets: ["made", ...targets] }));
      assert.equal(many.reason, `the command succeeded but did not create ${targets.slice(0, 10).join(", ")} and 3 more`);
    });

    withExecutor("inputs", "inputs (a file, a directory tree) are visible to the command", async (executor, ws) => {
      writeFileSync(join(ws.work, "in.txt"), "first\n");
      mkdirSync(join(ws.work, "data"));
      writeFileSync(join(ws.work, "data", "nested.txt"), "second\n");
      const report = await executor.start(1, { command: "cat in.txt data/nested.txt > out", sources: ["in.txt", "data"], targets: ["out"] });
      succeeded(report);
      assert.equal(readFileSync(join(ws.work, "out"), "utf8"), "first\nsecond\n");
    });

    withExecutor("environment", "exported variables reach the command, quotes and spaces intact", async (executor, ws) => {
      const environment = { GREETING: "hello world", QUOTED: "it's \"here\" $HOME" };
      const report = await executor.start(1, { command: 'printf "%s|%s" "$GREETING" "$QUOTED" > out', environment, targets: ["out"] });
      succeeded(report);
      assert.equal(readFileSync(join(ws.work, "out"), "utf8"), `hello world|it's "here" $HOME`);
    });

    withExecutor("failure-output", "a failing command's stdout and stderr come back with its report", async (executor) => {
      const report = failed(await executor.start(1, { command: "echo to-stdout; echo to-stderr >&2; exit 1" }));
      assert.equal(report.reason, "exit code 1");
      assert.match(report.output ?? "", /to-stdout[\s\S]*to-stderr|to-stderr[\s\S]*to-stdout/);
    });

    withExecutor("abort", "abort kills a running task and what it started, and drops its report", async (executor, ws) => {
      const { probe } = ws;
      const command = `sleep 60 & echo $! > ${probe}/child.tmp && mv ${probe}/child.tmp ${probe}/child; echo $$ > ${probe}/shell.tmp && mv ${probe}/shell.tmp ${probe}/shell; wait`;
      const report = track(executor.start(1, { command }));
      await until(() => pidIn(join(probe, "child")) !== undefined && pidIn(join(probe, "shell")) !== undefined, "the task to start");
      const pids = [pidIn(join(probe, "shell"))!, pidIn(join(probe, "child"))!];
      assert.ok(pids.every(processIsRunning), "the task runs before the abort");
      executor.abort(1);
      await until(() => !pids.some(processIsRunning), `processes ${pids.join(", ")} to die`);
      await sleep(500);
      assert.equal(report.done, false, `an aborted task was reported: ${JSON.stringify(report.value)}`);
    });

    withExecutor("abort-before-start", "a task aborted as soon as it is started never runs", async (executor, ws) => {
      const report = track(executor.start(1, { command: `sleep 0.3; touch ${ws.probe}/late` }));
      executor.abort(1);
      succeeded(await executor.start(2, { command: "touch next", targets: ["next"] }));
      await sleep(1_000);
      assert.equal(existsSync(join(ws.probe, "late")), false, "the aborted command ran");
      assert.equal(report.done, false, `an aborted task was reported: ${JSON.stringify(report.value)}`);
    });

    // Two tasks that each need every core never overlap; two that need one core each do.
    withFlow("cores", "a category's cores reach the back end: 2-core tasks run one at a time, 1-core ones together", async (ws, file) => {
      const p = ws.probe;
      const wide = (n: number) => `wide${n}:\n\tmkdir ${p}/lock || touch ${p}/overlap; sleep 0.5; rmdir ${p}/lock; touch wide${n}\n`;
      const wait = (other: string) => `i=0; while [ ! -e ${p}/${other} ] && [ $$i -lt 100 ]; do sleep 0.1; i=$$((i+1)); done; test -e ${p}/${other}`;
      const narrow = (n: number, other: number) => `narrow${n}: wide1 wide2\n\ttouch ${p}/n${n}; ${wait(`n${other}`)} && touch narrow${n}\n`;
      writeFileSync(file, `CATEGORY=wide\nCORES=2\n${wide(1)}${wide(2)}CATEGORY=narrow\nCORES=1\n${narrow(1, 2)}${narrow(2, 1)}`);
      const result = await harness.runFlow(file);
      assert.equal(result.code, 0, result.err);
      assert.equal(existsSync(join(p, "overlap")), false, "two 2-core tasks ran at once on 2 cores");
    });

    withFlow("dag", "a fan-out/fan-in workflow through skein flow builds the expected files", async (ws, file) => {
      writeFileSync(join(ws.work, "input.txt"), "a b c\n");
      const parts = [1, 2, 3].map((i) => `part${i}: input.txt\n\tcut -d' ' -f${i} input.txt > part${i}\n`).join("");
      writeFileSync(file, `${parts}joined: part1 part2 part3\n\tcat part1 part2 part3 > joined\nfinal: joined\n\tLOCAL cp joined final\n`);
      const result = await harness.runFlow(file);
      assert.equal(result.code, 0, result.err);
      assert.equal(readFileSync(join(ws.work, "final"), "utf8"), "a\nb\nc\n");
      assert.equal(readFileSync(join(ws.work, "part2"), "utf8"), "b\n");
    });
  });
}
