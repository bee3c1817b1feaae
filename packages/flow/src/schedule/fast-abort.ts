/**
 * Fast abort, as Work Queue does it: a task running past `mean + max(k·stddev, slack)` of its
 * category's successful runs, counted from when it started (for a task queued on an executor,
 * when the tasks ahead of it left it a core; for a task whose inputs were still on their way to
 * a worker, when they had arrived: `task-starts.ts`), is aborted and run elsewhere. Running tasks are
 * judged against the category's *current* statistics: a task that started before the
 * category had its minimum of samples is judged once it has them, and every deadline moves
 * with each new sample, earlier or later.
 *
 * Since every running task of a category gets the same allowance, the one that started first
 * is always due first. So each category keeps its watched tasks in start order and one wake-up,
 * for the oldest; a new sample costs O(1) (a heap push only when that wake-up moves earlier;
 * a later one is found when the earlier fires), never a pass over the category's running tasks.
 * The rejected alternative — one deadline per task, armed at its start — never saw samples
 * that came in after the start.
 *
 * Stragglers are few by definition. The samples are the tasks that have finished, which early
 * on are the category's shortest: when tasks start together, the first to finish say little
 * about the rest (a category of 10 s and 60 s tasks: ten 10 s samples make every 60 s task
 * overdue at 11 s). So when more tasks are overdue at once than one per `samplesPerOverdue`
 * samples (at least one), the statistics are what is wrong, not the tasks: nothing is aborted,
 * and the category is judged again at its next sample or when one of its tasks ends. A hung
 * worker's tasks are still aborted, once the other workers have given enough samples.
 * (Work Queue judges by its samples alone, and has this bias.)
 *
 * Which categories are judged, and that a task no other executor could take is left to run, is
 * `task-starts.ts`'s and the scheduler's business: this class only keeps deadlines.
 */
import type { Task } from "./executor-tasks.ts";
import { MinHeap } from "./min-heap.ts";
import { RunningStatistics } from "./running-statistics.ts";

export interface FastAbortInit {
  /** k in mean + k·stddev. */
  readonly multiplier: number;
  /** Successful tasks of a category needed before it judges the category (default 10). */
  readonly samplesMin?: number;
  /** Slack added so near-identical tasks are not aborted for noise (default 1 000 ms). */
  readonly slackMs?: number;
  /** Samples needed per task aborted at once (default 4): more overdue tasks hold the category. */
  readonly samplesPerOverdue?: number;
}

interface Category {
  readonly statistics: RunningStatistics;
  /** Watched tasks in start order (their `startedMs` never decreases: time only goes forward). */
  readonly running: Set<Task>;
  /** The time of this category's live wake-up in the heap; heap entries at other times are stale. */
  wakeAtMs: number | undefined;
  /** Too many tasks were overdue at once: no wake-up until a new sample or a task's end. */
  held: boolean;
}

interface Wake {
  readonly atMs: number;
  readonly category: Category;
}

/** A category's limit as it stands: `allowanceMs` = `meanMs` + max(k·`standardDeviationMs`, slack). */
export interface FastAbortLimit {
  readonly allowanceMs: number;
  readonly meanMs: number;
  readonly standardDeviationMs: number;
  readonly multiplier: number;
  /** The slack, when it was larger than k·stddev (near-identical samples). */
  readonly slackMs: number | undefined;
}

export class FastAbort {
  private readonly categories = new Map<string, Category>();
  private readonly wakes = new MinHeap<Wake>();
  private readonly samplesMin: number;
  private readonly slackMs: number;
  private readonly samplesPerOverdue: number;

  constructor(private readonly init: FastAbortInit) {
    this.samplesMin = init.samplesMin ?? 10;
    this.slackMs = init.slackMs ?? 1_000;
    this.samplesPerOverdue = init.samplesPerOverdue ?? 4;
  }

  /** Judges a task that started at `task.startedMs` (it may be aborted) until `forget`. */
  watch(task: Task): void {
    const category = this.category(task.resourceClass.category);
    category.running.add(task);
    if (category.running.size === 1) this.arm(category);
  }

  /**
   * Judges again a task that was due but left to run (no other executor could take it then),
   * in its place in its category's start order: it may be older than the tasks watched now.
   */
  rewatch(task: Task): void {
    const category = this.category(task.resourceClass.category);
    const ordered = [...category.running, task].sort((a, b) => a.startedMs! - b.startedMs!);
    category.running.clear();
    for (const watched of ordered) category.running.add(watched);
    // a wake-up armed for a later deadline is replaced by this one when it is earlier
    this.arm(category);
  }

  forget(task: Task): void {
    const category = this.categories.get(task.resourceClass.category);
    if (!category?.running.delete(task) || !category.held) return;
    category.held = false;
    this.arm(category);
  }

  /**
   * The task's command started only at `nowMs` (later than `task.startedMs`): judged from then,
   * after every other task of its category, which all started no later.
   */
  restart(task: Task, nowMs: number): void {
    const category = this.categories.get(task.resourceClass.category);
    const watched = category?.running.delete(task) ?? false;
    task.startedMs = nowMs;
    if (!watched) return;
    category!.running.add(task);
    // a wake-up armed for its old deadline finds it not yet due, and arms the next one
    this.arm(category!);
  }

  /** A successful run's duration: the category's deadlines move with it. */
  record(categoryName: string, durationMs: number): void {
    const category = this.category(categoryName);
    category.statistics.add(durationMs);
    category.held = false;
    this.arm(category);
  }

  nextWakeMs(): number | undefined {
    for (let wake = this.wakes.peek(); wake; wake = this.wakes.peek()) {
      if (wake.atMs === wake.category.wakeAtMs) return wake.atMs;
      this.wakes.pop(); // stale: its category re-armed earlier, or has fired since
    }
    return undefined;
  }

  /** The watched tasks past their deadline at `nowMs`, no longer watched; oldest first per category. */
  due(nowMs: number): Task[] {
    const overdue: Task[] = [];
    for (let wake = this.wakes.peek(); wake && wake.atMs <= nowMs; wake = this.wakes.peek()) {
      this.wakes.pop();
      const category = wake.category;
      if (wake.atMs !== category.wakeAtMs) continue;
      category.wakeAtMs = undefined;
      const allowanceMs = this.allowanceMs(category);
      if (allowanceMs === undefined) continue;
      // counts at most one past the limit: a held category costs O(samples / samplesPerOverdue)
      const overdueMax = Math.max(1, Math.floor(category.statistics.count / this.samplesPerOverdue));
      let count = 0;
      for (const task of category.running) {
        if (task.startedMs! + allowanceMs > nowMs || ++count > overdueMax) break;
      }
      if (count > overdueMax) {
        category.held = true;
        continue;
      }
      for (const task of category.running) {
        if (count-- === 0) break;
        category.running.delete(task);
        overdue.push(task);
      }
      this.arm(category);
    }
    return overdue;
  }

  /** The category's current limit, to say why a task was aborted; undefined before its minimum of samples. */
  limit(categoryName: string): FastAbortLimit | undefined {
    const category = this.categories.get(categoryName);
    const allowanceMs = category && this.allowanceMs(category);
    if (category === undefined || allowanceMs === undefined) return undefined;
    const { mean, standardDeviation } = category.statistics;
    const slackMs = this.init.multiplier * standardDeviation < this.slackMs ? this.slackMs : undefined;
    return { allowanceMs, meanMs: mean, standardDeviationMs: standardDeviation, multiplier: this.init.multiplier, slackMs };
  }

  private category(name: string): Category {
    let category = this.categories.get(name);
    if (!category) this.categories.set(name, (category = { statistics: new RunningStatistics(), running: new Set(), wakeAtMs: undefined, held: false }));
    return category;
  }

  private allowanceMs(category: Category): number | undefined {
    const { statistics } = category;
    if (statistics.count < this.samplesMin) return undefined;
    return statistics.mean + Math.max(this.init.multiplier * statistics.standardDeviation, this.slackMs);
  }

  /** Makes sure a wake-up comes no later than the oldest watched task's deadline. */
  private arm(category: Category): void {
    const oldest = category.running.values().next().value;
    const allowanceMs = this.allowanceMs(category);
    if (oldest === undefined || allowanceMs === undefined || category.held) return;
    const atMs = oldest.startedMs! + allowanceMs;
    if (category.wakeAtMs !== undefined && category.wakeAtMs <= atMs) return;
    category.wakeAtMs = atMs;
    this.wakes.push({ atMs, category });
  }
}
