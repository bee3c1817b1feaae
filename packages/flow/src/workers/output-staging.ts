// skein-io-adapter: empties and guards the master's staging paths for outputs from workers.
/**
 * A task's outputs from a worker land under `<target>.skein-part` and are renamed into place
 * when its result arrives. Every attempt must start from an empty staging path: a worker
 * dropped (or a task aborted) after streaming part of a directory leaves files there, and an
 * attempt that wrote beside them would rename them into the target with its own. So each
 * attempt claims the staging paths of its targets: the claim removes whatever is there (a file
 * or a tree), and the writes of earlier attempts that have not begun are skipped from then on.
 * Writes already under way (they run off the event loop) cannot be stopped: the removal, and
 * the new attempt's writes, queue behind them. One staging area serves every worker connection
 * of a run, since the attempts at a task run on different workers.
 *
 * The alternative, a staging name of its own for each attempt, would leave every dropped
 * attempt's files behind for good and still need the removal for a rerun of the run.
 */
import { lstatSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";

/** One attempt at a task, as the staging area knows it (any object, compared by identity). */
export type StagingAttempt = object;

interface StagingPath {
  /** The attempt whose writes land here; undefined once it released the path. */
  owner: StagingAttempt | undefined;
  /** The writes queued or under way here, in order; undefined when none is (never rejects). */
  queue: Promise<void> | undefined;
}

export class OutputStaging {
  private readonly paths = new Map<string, StagingPath>();

  /**
   * Gives `path` to `attempt`, removing what an earlier attempt (or an earlier run) left there:
   * at once, or after the writes under way there, in which case the promise resolves (or
   * rejects) after the removal, and the attempt must wait for it before writing on its own.
   */
  claim(path: string, attempt: StagingAttempt): Promise<void> | undefined {
    const known = this.paths.get(path);
    if (known?.queue === undefined) {
      if (lstatSync(path, { throwIfNoEntry: false })) rmSync(path, { recursive: true, force: true }); // usually nothing is there
      this.paths.set(path, { owner: attempt, queue: undefined });
      return undefined;
    }
    known.owner = attempt;
    return this.enqueue(path, known, () => rm(path, { recursive: true, force: true }));
  }

  /**
   * Queues a write of `attempt` under `path`, after every write queued there before it. It is
   * skipped if another attempt has claimed `path` by the time its turn comes.
   */
  write(path: string, attempt: StagingAttempt, write: () => Promise<unknown>): Promise<void> {
    const known = this.paths.get(path);
    if (known?.owner !== attempt) return Promise.resolve();
    return this.enqueue(path, known, () => (known.owner === attempt ? write() : undefined));
  }

  /** Whether `attempt` still holds `path` (no later attempt claimed it). */
  holds(path: string, attempt: StagingAttempt): boolean {
    return this.paths.get(path)?.owner === attempt;
  }

  /** `attempt` is done with `path`: forgotten once no write is under way there. */
  release(path: string, attempt: StagingAttempt): void {
    const known = this.paths.get(path);
    if (known?.owner !== attempt) return;
    known.owner = undefined;
    if (known.queue === undefined) this.paths.delete(path);
  }

  /** Paths known (claimed, or with writes under way), for tests. */
  get size(): number {
    return this.paths.size;
  }

  private enqueue(path: string, known: StagingPath, step: () => Promise<unknown> | undefined): Promise<void> {
    const done = (known.queue ?? Promise.resolve()).then(step).then(() => {});
    const queue = done.catch(() => {}); // the caller hears of a failure; the queue goes on
    known.queue = queue;
    void queue.then(() => {
      if (known.queue !== queue) return;
      known.queue = undefined;
      if (known.owner === undefined && this.paths.get(path) === known) this.paths.delete(path);
    });
    return done;
  }
}
