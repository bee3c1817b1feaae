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
 *
 * Nothing is left in the user's directory when the run stops, however it stops (done, failed,
 * interrupted): `close` removes every staging path an attempt wrote to and did not rename into
 * place, after the writes under way there. A master killed with `kill -9` cannot clean up: the
 * next run removes the staging paths of the workflow's targets when it starts
 * (`removeStale`). Only `<target>.skein-part` names of declared targets are ever removed.
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
  /** Paths an attempt wrote to (or may have), not since renamed into place or emptied: removed at `close`. */
  private readonly dirty = new Set<string>();
  private closed = false;

  /** Removes what a killed earlier run left at these staging paths (nothing is usually there). */
  static removeStale(paths: Iterable<string>): void {
    for (const path of paths) {
      try {
        if (lstatSync(path, { throwIfNoEntry: false })) rmSync(path, { recursive: true, force: true });
      } catch {
        // left as it is: the first attempt at that target empties it, or says why it cannot
      }
    }
  }

  /**
   * Gives `path` to `attempt`, removing what an earlier attempt (or an earlier run) left there:
   * at once, or after the writes under way there, in which case the promise resolves (or
   * rejects) after the removal, and the attempt must wait for it before writing on its own.
   */
  claim(path: string, attempt: StagingAttempt): Promise<void> | undefined {
    const known = this.paths.get(path);
    if (known?.queue === undefined) {
      if (lstatSync(path, { throwIfNoEntry: false })) rmSync(path, { recursive: true, force: true }); // usually nothing is there
      this.dirty.delete(path);
      this.paths.set(path, { owner: attempt, queue: undefined });
      return undefined;
    }
    known.owner = attempt;
    return this.enqueue(path, known, () => rm(path, { recursive: true, force: true }));
  }

  /** Something was (or is being) written at `path` outside `write`: removed at `close` unless `moved`. */
  wrote(path: string): void {
    if (!this.closed) this.dirty.add(path);
  }

  /** `path` was renamed into place: nothing of it is left to remove. */
  moved(path: string): void {
    this.dirty.delete(path);
  }

  /**
   * Queues a write of `attempt` under `path`, after every write queued there before it. It is
   * skipped if another attempt has claimed `path` by the time its turn comes.
   */
  write(path: string, attempt: StagingAttempt, write: () => Promise<unknown>): Promise<void> {
    const known = this.paths.get(path);
    if (known?.owner !== attempt || this.closed) return Promise.resolve();
    this.dirty.add(path);
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

  /**
   * The run stopped: no attempt holds a path any more (late results are dropped, later writes
   * skipped), and every path written to and not renamed into place is removed, after the writes
   * under way there. Resolves when they are gone; a path that cannot be removed is named in the
   * returned problems.
   */
  async close(): Promise<string[]> {
    this.closed = true;
    for (const known of this.paths.values()) known.owner = undefined;
    const removals = [...this.dirty].map((path) => {
      const known = this.paths.get(path);
      const remove = () => rm(path, { recursive: true, force: true });
      return (known ? this.enqueue(path, known, remove) : remove()).then(
        () => undefined,
        (error: Error) => `${path}: ${error.message}`,
      );
    });
    this.dirty.clear();
    return (await Promise.all(removals)).filter((problem) => problem !== undefined);
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
