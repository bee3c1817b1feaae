// skein-io-adapter: the worker's task sandboxes, kept and emptied for reuse.
/**
 * Each task runs in an empty sandbox directory. Sandboxes are kept rather than removed and
 * remade: that would be two more inodes allocated and freed per task, and on ext4 without a
 * journal every freed inode slows the file creations after it for a minute or more. A finished
 * task's sandbox is emptied once its result has left (the results of one batch leave together,
 * then their sandboxes are emptied), and given to a later task. A task's standard output and
 * error go to a file of the same name in `captures`, whose end its result carries: once the
 * result has left, a large one is emptied with its sandbox (a task that wrote 100 MB there would
 * otherwise keep them on the worker's disk until its sandbox is reused), and an aborted task's
 * is removed with its sandbox, which is never reused.
 */
import { rm } from "node:fs/promises";
import { mkdirSync, readdirSync, rmSync, statSync, truncateSync, unlinkSync } from "node:fs";
import { basename, join } from "node:path";

/** A task's captured output larger than this is emptied once its result has left (smaller ones are left for the next task to overwrite: a truncation per task costs time). */
export const captureKeptBytesMax = 64 * 1024;

export class SandboxPool {
  /** Empty sandboxes ready for the next task. */
  private readonly ready: string[] = [];
  /** Finished tasks' sandboxes, emptied after their batch's results left. */
  private readonly used: string[] = [];
  private made = 0;
  /** Sizes of the captures ready sandboxes keep (each at most `captureKeptBytesMax`), and their sum. */
  private readonly kept = new Map<string, number>();
  private keptBytes = 0;
  /** Set while a batch of results is reported: its sandboxes are emptied after it (`recycleUsed`). */
  reporting = false;

  constructor(
    private readonly directory: string,
    /** Where tasks' standard output and error go, a file per sandbox. */
    private readonly captures: string,
  ) {}

  /** The file the command run in `sandbox` writes its standard output and error to. */
  captureOf(sandbox: string): string {
    return join(this.captures, basename(sandbox));
  }

  /** An aborted task's sandbox and capture, removed off the event loop (its processes may still be dying): never reused. */
  discard(sandbox: string): Promise<unknown> {
    return Promise.all([rm(sandbox, { recursive: true, force: true }), rm(this.captureOf(sandbox), { force: true })]);
  }

  /** An empty sandbox: a pooled one, or a new one. */
  fresh(): string {
    const pooled = this.ready.pop();
    if (pooled) {
      // its capture is the new task's now (emptied as its command starts)
      this.keptBytes -= this.kept.get(pooled) ?? 0;
      this.kept.delete(pooled);
      return pooled;
    }
    const path = join(this.directory, String(++this.made));
    try {
      mkdirSync(path);
    } catch {
      rmSync(path, { recursive: true, force: true }); // left by an earlier connection or run
      mkdirSync(path);
    }
    return path;
  }

  /** A finished task's sandbox, emptied once its result has left. */
  retire(path: string): void {
    this.used.push(path);
    if (!this.reporting && this.used.length === 1) process.nextTick(() => this.recycleUsed()); // after the result's flush
  }

  /** Bytes of the captures ready sandboxes keep, which count against `--disk` (`capture-watch.ts`). */
  get keptCaptureBytes(): number {
    return this.keptBytes;
  }

  /** Empties the retired sandboxes for later tasks. */
  recycleUsed(): void {
    for (const path of this.used) {
      try {
        emptyDirectory(path);
        const size = trimCapture(this.captureOf(path));
        this.kept.set(path, size);
        this.keptBytes += size;
        this.ready.push(path);
      } catch {
        // left as it is (never reused); the next run's sandbox of that name starts by removing it
      }
    }
    this.used.length = 0;
  }
}

/** Removes everything inside `path`, keeping the directory itself. */
function emptyDirectory(path: string): void {
  for (const name of readdirSync(path)) {
    const entry = join(path, name);
    try {
      unlinkSync(entry); // outputs and input links are files: one call each
    } catch {
      rmSync(entry, { recursive: true, force: true }); // a directory
    }
  }
}

/** Empties a capture larger than `captureKeptBytesMax`; the bytes it keeps. */
function trimCapture(path: string): number {
  const size = statSync(path, { throwIfNoEntry: false })?.size ?? 0;
  if (size <= captureKeptBytesMax) return size;
  truncateSync(path, 0);
  return 0;
}
