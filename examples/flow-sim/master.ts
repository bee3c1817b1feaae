// The flow master as a Skein service: the same sans-IO Scheduler and the same Driver the CLI
// runs with real processes, here on the Skein runtime's time — `contextClock(ctx)` for the
// driver's clock and its one wake-up timer (retries, fast-abort deadlines), ctx.call to run
// tasks on workers. Workers are found by polling `hello`: a worker that stops answering
// (crashed, partitioned) leaves, and the scheduler reruns its tasks elsewhere; one that answers
// again (or with a new incarnation) joins as a new executor. The record is what the scenario's
// checkers observe.
import { contextClock, ref, service } from "@skein/core";
import { Driver, type Executor, type Plan, Scheduler, type SchedulerInit } from "@skein/flow";
import type { WorkerProtocol } from "./protocol.ts";

export interface FlowMasterInit {
  readonly plan: Plan;
  readonly workers: readonly string[];
  readonly scheduler: SchedulerInit;
  /** Time between `hello` polls of each worker, and how long an answer may take. */
  readonly pollMs?: number;
  readonly helloTimeoutMs?: number;
  /** A task that has not answered in this long is given up (its worker is taken as lost). */
  readonly taskTimeoutMs?: number;
}

/** What the master did, for checkers outside it. */
export interface FlowRecord {
  readonly starts: Array<{ atMs: number; rule: number; task: number; executorId: string }>;
  readonly done: number[];
  /** Task id → how many rules were done when it started (its rule's dependencies must be among them). */
  readonly doneBeforeStart: Record<number, number>;
  finished: { ok: boolean; reason?: string; atMs: number } | undefined;
  /** How often workers were lost, attempts retried, and stragglers fast-aborted. */
  readonly counts: { lost: number; retries: number; fastAborts: number };
}

export const flowMaster = (init: FlowMasterInit) =>
  service<{}>((ctx) => {
    const record: FlowRecord = { starts: [], done: [], doneBeforeStart: {}, finished: undefined, counts: { lost: 0, retries: 0, fastAborts: 0 } };
    const scheduler = new Scheduler(init.plan, init.scheduler, { random: () => ctx.random(), isDone: () => false });
    const driver = new Driver(
      scheduler,
      init.plan.workflow,
      {
        state(action) {
          if (action.state === "done") record.done.push(action.rule);
          else if (action.state === "retrying") record.counts.retries++;
          else if (action.state === "ready" && action.reason?.startsWith("fast abort")) record.counts.fastAborts++;
        },
      },
      contextClock(ctx),
    );
    /** worker node → its executor while it is joined. */
    const joined = new Map<string, { id: string; incarnation: number }>();
    let generation = 0;

    const runTask = async (node: string, executorId: string, task: number, rule: number, attempt: number) => {
      try {
        const outcome = await ctx.call(ref<WorkerProtocol>(node, "worker"), { type: "run", task, rule, attempt }, { timeoutMs: init.taskTimeoutMs ?? 30_000 });
        driver.finished(task, outcome);
      } catch {
        leave(node, executorId, "a task call failed");
      }
    };

    const leave = (node: string, executorId: string, reason: string) => {
      if (joined.get(node)?.id !== executorId) return;
      joined.delete(node);
      record.counts.lost++;
      driver.left(executorId, reason);
    };

    const join = (node: string, incarnation: number, cores: number) => {
      const id = `${node}#${++generation}`;
      joined.set(node, { id, incarnation });
      const executor: Executor = {
        info: { id, capacity: { cores, memoryMb: 1_000_000, diskMb: 1_000_000, gpus: 0 }, runsLocalRules: false, runsRemoteRules: true, fastAbort: true, pipelineCores: cores },
        start({ task, rule, attempt }) {
          record.starts.push({ atMs: ctx.now(), rule: rule.id, task, executorId: id });
          record.doneBeforeStart[task] = record.done.length;
          void runTask(node, id, task, rule.id, attempt);
        },
        abort: (task) => ctx.send(ref<WorkerProtocol>(node, "worker"), { type: "abort", task }),
        close: async () => undefined,
      };
      driver.joined(executor);
    };

    const poll = async (node: string) => {
      const current = joined.get(node);
      try {
        const hello = await ctx.call(ref<WorkerProtocol>(node, "worker"), { type: "hello" }, { timeoutMs: init.helloTimeoutMs ?? 300 });
        if (record.finished) return;
        const now = joined.get(node);
        if (now && now.incarnation !== hello.incarnation) leave(node, now.id, "restarted");
        if (!joined.has(node)) join(node, hello.incarnation, hello.cores);
      } catch {
        if (current && !record.finished) leave(node, current.id, "stopped answering");
      }
    };

    return {
      record,
      handlers: {},
      start() {
        void driver.start().then(({ ok, reason }) => {
          record.finished = { ok, reason, atMs: ctx.now() };
        });
        ctx.setPeriodic(init.pollMs ?? 200, () => {
          if (record.finished) return;
          for (const node of init.workers) void poll(node);
        });
      },
    };
  });
