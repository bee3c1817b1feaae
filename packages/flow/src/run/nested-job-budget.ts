/**
 * One job budget for a run and every nested run inside it, as make's jobserver shares `-j`
 * among sub-makes: with `-j N`, at most N cores' worth of this machine's jobs run at once in
 * all of them together — not N in each nested run (N nested runs × N jobs).
 *
 * The top run creates a budget of N tokens; each command of any run takes as many tokens as its
 * cores (at most N) before it starts, and gives them back when it ends. A `MAKEFLOW` rule takes
 * none: its nested run is not a process, its commands take their own. So only commands hold
 * tokens, and every command ends: a job waits only for commands to end, never for a nested run,
 * so there is no deadlock however deep the nesting, and a wide command (`CORES=2`) takes 2 of
 * the N wherever it runs. Waiting jobs are served in order across runs (a job waiting for tokens
 * is not overtaken by a later one that needs tokens too), so a wide job is not starved. (Each
 * run's own scheduler still counts a `MAKEFLOW` rule as one of its cores, so at most N nested
 * runs of one run go at once.)
 *
 * Alternatives rejected: one cap per run (each nested run's own `-j N`), which let N nested
 * runs run N² commands at once; make's implicit token (a `MAKEFLOW` rule holds one, its nested
 * run's first command uses it), which needs a way out of deadlock when that command is wider
 * than one token (run it on the one token anyway) and so let two nested runs under `-j 2` run
 * two `CORES=2` commands at once.
 */
import type { Executor, ExecutorListener, TaskRequest } from "../executors/executor.ts";

/** A job waiting for its tokens. */
interface Waiting {
  readonly share: JobShare;
  readonly task: number;
  /** Tokens the job takes: its cores, at least 1, at most the budget's size. */
  readonly cost: number;
  readonly start: () => void;
}

export class JobBudget {
  private free: number;
  /** Jobs of every run waiting for tokens, in the order they asked (at most what the runs' schedulers place: their cores and pipelines). */
  private readonly waiting: Waiting[] = [];
  private pumping = false;
  private pumpAgain = false;

  /** `size`: the top run's `-j` (its cores), at least 1. */
  constructor(readonly size: number) {
    if (!(size >= 1)) throw new Error(`a job budget needs at least 1 token, not ${size}`);
    this.free = Math.floor(size);
  }

  /** Tokens no job holds now (for tests and checks). */
  get available(): number {
    return this.free;
  }

  /** The top run's share. */
  top(): JobShare {
    return new JobShare(this);
  }

  /** @internal */
  ask(waiting: Waiting): void {
    this.waiting.push(waiting);
    this.pump();
  }

  /** @internal Removes a waiting job; false when it was not waiting. */
  cancel(share: JobShare, task: number): boolean {
    const index = this.waiting.findIndex((waiting) => waiting.share === share && waiting.task === task);
    if (index < 0) return false;
    this.waiting.splice(index, 1);
    return true;
  }

  /** @internal Drops every job a closed share still has waiting. */
  drop(share: JobShare): void {
    for (let index = this.waiting.length - 1; index >= 0; index--) if (this.waiting[index]!.share === share) this.waiting.splice(index, 1);
  }

  /** @internal */
  giveBack(tokens: number): void {
    this.free += tokens;
    if (this.free > this.size) throw new Error(`job budget: ${this.free} tokens free of ${this.size} (a job's tokens given back twice)`);
    this.pump();
  }

  /** Starts, in order, the waiting jobs whose tokens are there (see the file's comment). */
  private pump(): void {
    // a start may end a job at once (and give its tokens back): one pass at a time, then again
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        this.pass();
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
  }

  private pass(): void {
    let blocked = false; // an earlier job waits for tokens: later ones take none before it
    for (let index = 0; index < this.waiting.length; ) {
      const waiting = this.waiting[index]!;
      if (blocked || this.free < waiting.cost) {
        blocked = true;
        index++;
        continue;
      }
      this.waiting.splice(index, 1);
      this.free -= waiting.cost;
      waiting.share.hold(waiting.task, waiting.cost);
      waiting.start();
    }
  }
}

/** One run's part of a budget: the tokens its jobs hold. */
export class JobShare {
  /** Tokens each running job holds. */
  private readonly running = new Map<number, number>();

  constructor(private readonly budget: JobBudget) {}

  /** The share of a run nested in this one. */
  nested(): JobShare {
    return new JobShare(this.budget);
  }

  /** @internal */
  hold(task: number, tokens: number): void {
    if (this.running.has(task)) throw new Error(`job budget: task ${task} started twice`);
    this.running.set(task, tokens);
  }

  /** Starts the job with `start` once it has `cores` tokens (at least 1, at most the budget's size). */
  request(task: number, cores: number, start: () => void): void {
    const cost = Math.min(Math.max(Math.ceil(cores), 1), this.budget.size);
    this.budget.ask({ share: this, task, cost, start });
  }

  /** The job ended (or was aborted): its tokens go back; one still waiting stops waiting. Returns whether it was waiting. */
  release(task: number): boolean {
    if (this.budget.cancel(this, task)) return true;
    const tokens = this.running.get(task);
    if (tokens === undefined) return false;
    this.running.delete(task);
    this.budget.giveBack(tokens);
    return false;
  }

  /** The run is ending: none of its jobs waiting starts any more. */
  stopWaiting(): void {
    this.budget.drop(this);
  }

  /** The run is over (its jobs ended): what they held goes back. */
  close(): void {
    this.budget.drop(this);
    const tokens = [...this.running.values()].reduce((sum, held) => sum + held, 0);
    this.running.clear();
    if (tokens > 0) this.budget.giveBack(tokens);
  }

  /** Jobs of this run holding tokens now. */
  get runningCount(): number {
    return this.running.size;
  }
}

/**
 * `make`'s executor (this machine's) with its starts gated by `share`: a task is passed on once it
 * has its tokens; its end (or abort) gives them back. Without a share, the executor as made.
 * While it waits for tokens a task is queued, not started: the executor reports its starts
 * (`startsReported`), each when the task gets its tokens (`running`), so --json says `started`
 * then, and a run stopped meanwhile counts it `not started`, not killed. (The launcher behind
 * starts it at once: this run's tokens never exceed its cores.)
 */
export function budgetedExecutor(share: JobShare | undefined, listener: ExecutorListener, make: (listener: ExecutorListener) => Executor): Executor {
  if (share === undefined) return make(listener);
  const gated: ExecutorListener = {
    joined: (executor) => listener.joined(executor),
    left: (executorId, reason) => listener.left(executorId, reason),
    finished: (task, outcome) => {
      share.release(task);
      listener.finished(task, outcome);
    },
    awaiting: listener.awaiting === undefined ? undefined : (task) => listener.awaiting!(task),
    running: listener.running === undefined ? undefined : (task) => listener.running!(task),
    batch: listener.batch === undefined ? undefined : (report) => listener.batch!(report),
  };
  const inner = make(gated);
  return {
    info: { ...inner.info, startsReported: true },
    start(request: TaskRequest) {
      const start = () => {
        listener.running?.(request.task);
        inner.start(request);
      };
      // a `MAKEFLOW` rule takes no token: its nested run's commands take their own
      if (request.rule.nested !== undefined) start();
      else share.request(request.task, request.rule.resources.cores ?? 1, start);
    },
    abort(task: number) {
      if (share.release(task)) return; // it was waiting: the executor never had it
      inner.abort(task);
    },
    async close(end) {
      share.stopWaiting();
      try {
        await inner.close(end);
      } finally {
        share.close();
      }
    },
  };
}
