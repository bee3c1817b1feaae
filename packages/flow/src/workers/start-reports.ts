/**
 * Which tasks a worker says it started (`running` frames), for the master's side of one
 * connection. Frames to a worker leave in order, so a task frame queued behind input bytes the
 * worker may not have yet reaches it only once they have arrived — on a slow link, long after
 * the scheduler counted the task as started. Such a task is sent with `running: true`; the
 * listener hears at once that it awaits its inputs (fast abort leaves it alone), and when the
 * worker says its command started. A task frame queued when the worker is known to have every
 * input sent so far — it has reported on a task sent after the last of them — asks for
 * nothing: a workflow whose inputs are all on the worker costs no frame more.
 */
export class StartReports {
  /** Task frames queued before the last input file was: the worker has it once it reports on a later one. */
  private fileAfter = -1;
  /** The latest task frame (by its sequence) the worker has reported on: it has every frame before it. */
  private heardThrough = 0;
  /** Tasks that await their inputs, told together at the end of this turn. */
  private awaitingTasks: number[] | undefined;

  /** `tell`: the listener hears that these tasks await their inputs (those still current). */
  constructor(private readonly tell: (tasks: readonly number[]) => void) {}

  /** An input file is queued after `tasksSent` task frames. */
  fileQueued(tasksSent: number): void {
    this.fileAfter = tasksSent;
  }

  /** The worker reported on the task frame numbered `sequence` (from 1): it has every frame before it. */
  heard(sequence: number): void {
    if (sequence > this.heardThrough) this.heardThrough = sequence;
  }

  /** Whether a task frame queued now may wait for input bytes (`queuingFiles`: its own are sent first). */
  awaits(queuingFiles: boolean): boolean {
    return queuingFiles || this.fileAfter >= this.heardThrough;
  }

  /** The task was sent with `running: true`: the listener hears of it at the end of this turn. */
  awaiting(task: number): void {
    if (this.awaitingTasks) return void this.awaitingTasks.push(task);
    this.awaitingTasks = [task];
    queueMicrotask(() => {
      const tasks = this.awaitingTasks!;
      this.awaitingTasks = undefined;
      this.tell(tasks);
    });
  }
}
