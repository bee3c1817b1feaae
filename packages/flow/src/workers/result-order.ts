/**
 * The results of finished tasks leave in the order the tasks ended, each once. Most are ready
 * at once, within the launcher's batch (its results leave in one write). One whose outputs take
 * several turns of the event loop to list (`listOutputsInTurns`) holds back the results of the
 * tasks that ended after it until it is sent: the listings run one after another, so the work
 * done per turn stays bounded however many large outputs end together. The alternative, each
 * listing on its own, would let results overtake each other and several listings share a turn.
 * Heartbeats and other frames do not wait here.
 */

/**
 * Reports waiting at once, at most. A master has at most its pipeline window beyond the worker's
 * cores (`pipelineCoresMax`, 64) of tasks on a worker until their results arrive, so this is
 * never reached by a master of ours: the worker refuses tasks past it (`hasRoom`), and passing
 * it is a broken invariant.
 */
export const resultsWaitingMax = 10_000;

/** Sends (or drops) one task's result, then calls `done`: at once, or in a later turn. */
export type Report = (done: () => void) => void;

export class ResultOrder {
  /**
   * Reports waiting behind the one in progress: one entry per task ended. Bounded by the tasks
   * the master has given this worker (its pipeline window), and at most `waitingMax`.
   */
  private readonly waiting: Array<readonly [number, Report]> = [];
  /** The task whose report is in progress (it may be listing its outputs). */
  private current: number | undefined;
  private readonly cancelled = new Set<number>();
  private closed = false;

  constructor(private readonly waitingMax = resultsWaitingMax) {}

  /** Whether `tasks` more may end and wait here, beside the reports waiting or in progress now. */
  hasRoom(tasks: number): boolean {
    return this.length + tasks <= this.waitingMax;
  }

  /** Runs `report` for `task` now, or once the reports before it are done. */
  add(task: number, report: Report): void {
    if (this.length >= this.waitingMax) throw new Error(`more than ${this.waitingMax} task results waiting to leave: the worker accepts no more tasks than that`);
    this.waiting.push([task, report]);
    if (this.current === undefined) this.next();
  }

  /** The master aborted `task`: if its report has not finished, it is dropped (true); else false. */
  cancel(task: number): boolean {
    if (this.current !== task && !this.waiting.some(([waiting]) => waiting === task)) return false;
    this.cancelled.add(task);
    return true;
  }

  /** Whether `task`'s result is no longer wanted: it was aborted, or the connection is gone. */
  dropped(task: number): boolean {
    return this.closed || this.cancelled.has(task);
  }

  /** The connection is gone: every report still to finish is dropped. */
  close(): void {
    this.closed = true;
  }

  /** Reports waiting or in progress, for tests. */
  get length(): number {
    return this.waiting.length + (this.current === undefined ? 0 : 1);
  }

  private next(): void {
    while (this.current === undefined && this.waiting.length > 0) {
      const [task, report] = this.waiting.shift()!;
      this.current = task;
      let calling = true;
      report(() => {
        if (this.current !== task) throw new Error(`the report of task ${task} ended twice`);
        this.current = undefined;
        this.cancelled.delete(task);
        if (!calling) this.next();
      });
      calling = false;
    }
  }
}
