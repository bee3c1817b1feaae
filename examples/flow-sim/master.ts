// The flow master as a Skein service: the same sans-IO Scheduler the CLI drives with real
// processes, driven here by the Skein runtime — ctx.now() for time, one ctx.setTimer for its
// next wake-up (retries, fast-abort deadlines), ctx.call to run tasks on workers. Workers are
// found by polling `hello`: a worker that stops answering (crashed, partitioned) leaves, and
// the scheduler reruns its tasks elsewhere; one that answers again (or with a new incarnation)
// joins as a new executor. The record is what the scenario's checkers observe.
import { ref, service, type Timer } from "@skein/core";
import { type ExecutorInfo, type Plan, Scheduler, type SchedulerAction, type SchedulerEvent, type SchedulerInit } from "@skein/flow";
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
    /** worker node → its executor while it is joined. */
    const joined = new Map<string, { id: string; incarnation: number }>();
    const executorNode = new Map<string, string>();
    let generation = 0;
    let timer: Timer | undefined;
    let timerAtMs: number | undefined;

    const handle = (event: SchedulerEvent) => apply(scheduler.handle(event, ctx.now()));

    const apply = (actions: SchedulerAction[]) => {
      for (const action of actions) {
        if (action.type === "start") {
          record.starts.push({ atMs: ctx.now(), rule: action.rule, task: action.task, executorId: action.executorId });
          record.doneBeforeStart[action.task] = record.done.length;
          void runTask(action.task, action.rule, action.attempt, action.executorId);
        } else if (action.type === "abort") {
          if (action.reason.startsWith("fast abort")) record.counts.fastAborts++;
          const node = executorNode.get(action.executorId);
          if (node) ctx.send(ref<WorkerProtocol>(node, "worker"), { type: "abort", task: action.task });
        } else if (action.type === "state" && action.state === "done") record.done.push(action.rule);
        else if (action.type === "state" && action.state === "retrying") record.counts.retries++;
        else if (action.type === "finished") record.finished = { ok: action.ok, reason: action.reason, atMs: ctx.now() };
      }
      arm();
    };

    const arm = () => {
      const wakeMs = scheduler.nextWakeMs();
      if (wakeMs === timerAtMs) return;
      timer?.cancel();
      timerAtMs = wakeMs;
      if (wakeMs === undefined) return;
      timer = ctx.setTimer(Math.max(0, wakeMs - ctx.now()) + 1, () => {
        timerAtMs = undefined;
        handle({ type: "tick" });
      });
    };

    const runTask = async (task: number, rule: number, attempt: number, executorId: string) => {
      const node = executorNode.get(executorId)!;
      try {
        const outcome = await ctx.call(ref<WorkerProtocol>(node, "worker"), { type: "run", task, rule, attempt }, { timeoutMs: init.taskTimeoutMs ?? 30_000 });
        handle({ type: "task-finished", task, outcome });
      } catch {
        leave(node, executorId, "a task call failed");
      }
    };

    const leave = (node: string, executorId: string, reason: string) => {
      if (joined.get(node)?.id !== executorId) return;
      joined.delete(node);
      record.counts.lost++;
      handle({ type: "executor-left", executorId, reason });
    };

    const join = (node: string, incarnation: number, cores: number) => {
      const id = `${node}#${++generation}`;
      joined.set(node, { id, incarnation });
      executorNode.set(id, node);
      const executor: ExecutorInfo = {
        id,
        capacity: { cores, memoryMb: 1_000_000, diskMb: 1_000_000, gpus: 0 },
        runsLocalRules: false,
        runsRemoteRules: true,
        fastAbort: true,
        pipelineCores: cores,
      };
      handle({ type: "executor-joined", executor });
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
        apply(scheduler.start(ctx.now()));
        ctx.setPeriodic(init.pollMs ?? 200, () => {
          if (record.finished) return;
          for (const node of init.workers) void poll(node);
        });
      },
    };
  });
