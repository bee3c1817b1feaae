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
 * is removed with its sandbox, which is never reused. What a task leaves that is slow to remove
 * (a directory, or more than `emptiedInPlaceFilesMax` files) is renamed aside and removed off the
 * event loop: the worker must answer heartbeats, and the sandbox is ready again at once.
 */
import { rm } from "node:fs/promises";
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, truncateSync, unlinkSync } from "node:fs";
import { basename, join } from "node:path";
import { removeTree } from "./tree-removal.ts";

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
    return Promise.all([removeTree(sandbox), rm(this.captureOf(sandbox), { force: true })]);
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
      removeAside(path, this.directory); // left by an earlier connection or run
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
        emptyDirectory(path, this.directory);
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

/**
 * Files in a sandbox beyond which it is removed off the event loop rather than emptied in place:
 * a task may leave 10⁵ scratch files, and unlinking them one by one on the loop kept the worker
 * silent for seconds (its master dropped it past the worker timeout).
 */
export const emptiedInPlaceFilesMax = 256;

/** Removes everything inside `path`, keeping the directory itself: directories (trees of any size) and crowds of files off the event loop. */
function emptyDirectory(path: string, aside: string): void {
  const entries = readdirSync(path, { withFileTypes: true });
  if (entries.length > emptiedInPlaceFilesMax) {
    removeAside(path, aside);
    mkdirSync(path);
    return;
  }
  for (const entry of entries) {
    const entryPath = join(path, entry.name);
    if (entry.isDirectory()) removeAside(entryPath, aside);
    else unlinkSync(entryPath); // outputs and input links are files: one call each
  }
}

/** Names of trees being removed, unique in this process (pools of several connections share a directory). */
let asideMade = 0;

/** Moves `path` into `directory` at once (one rename), and removes it there off the event loop. */
function removeAside(path: string, directory: string): void {
  const aside = join(directory, `${basename(path)}.removed-${process.pid}-${++asideMade}`);
  try {
    renameSync(path, aside);
  } catch {
    rmSync(path, { recursive: true, force: true }); // a rename refused: removed here, as before
    return;
  }
  removeTree(aside).catch(() => {}); // what cannot be removed goes with the worker's directory
}

/** Empties a capture larger than `captureKeptBytesMax`; the bytes it keeps. */
function trimCapture(path: string): number {
  const size = statSync(path, { throwIfNoEntry: false })?.size ?? 0;
  if (size <= captureKeptBytesMax) return size;
  truncateSync(path, 0);
  return 0;
}
