// skein-io-adapter: measures what running tasks write in their sandboxes on the worker's disk.
/**
 * A worker's `--disk` covers the files a task writes in its sandbox, and the private copies of
 * inputs it is given (`input-cache.ts`), as well as the input cache and the captured output: a
 * task writing 50 GB of scratch would otherwise fill the disk the worker promised to stay
 * within. A sandbox holds hard links to cache entries, which are the cache's bytes and not
 * counted again; every other file is counted by the blocks it takes (a sparse file takes what
 * it wrote). The sandboxes are walked at most `sandboxEntriesPerCheckMax` directory entries per
 * check over all running tasks (`capture-watch.ts` checks every 250 ms), each walk resuming
 * where the last check left it, so a task that makes 10⁶ files costs the worker's event loop
 * the same per check as one that makes ten; its count is then up to a few checks late. A task's
 * bytes are those of its last complete walk, or of the walk under way once it has found more, so
 * a task that writes is caught within a walk, and one that deleted is believed at the next.
 * Private copies count from when they are made, before a walk has seen them. Rejected: a
 * watcher per sandbox (inotify reports names, not sizes, and has a per-user limit), and a
 * whole walk per check (10⁶ `lstat`s would hold heartbeats for seconds).
 */
import { type Dir, lstatSync, opendirSync } from "node:fs";
import { join } from "node:path";

/** Directory entries looked at per check, over all running tasks' sandboxes. */
export const sandboxEntriesPerCheckMax = 2_048;

interface Walk {
  readonly root: string;
  /** Directories still to read in this walk. */
  readonly directories: string[];
  /** The directory being read, and its path. */
  open: { dir: Dir; path: string } | undefined;
  /** Bytes found so far in this walk. */
  partial: number;
  /** Bytes of the last complete walk (at first, the private copies of its inputs). */
  complete: number;
}

export class SandboxMeter {
  private readonly walks = new Map<number, Walk>();

  /** `isCacheFile`: whether a file's inode is a cache entry's (a link to it costs the sandbox nothing). */
  constructor(private readonly isCacheFile: (ino: number) => boolean) {}

  /** A task starts in `sandbox`, with `copiedBytes` of private copies of its inputs already there. */
  start(task: number, sandbox: string, copiedBytes: number): void {
    this.stop(task);
    this.walks.set(task, { root: sandbox, directories: [sandbox], open: undefined, partial: 0, complete: copiedBytes });
  }

  /** The task ended or was killed: its walk stops; the bytes it was last known to take. */
  stop(task: number): number {
    const walk = this.walks.get(task);
    if (!walk) return 0;
    this.walks.delete(task);
    closeQuietly(walk.open?.dir);
    return bytesOf(walk);
  }

  /** Every walk stops (the connection closed). */
  clear(): void {
    for (const task of [...this.walks.keys()]) this.stop(task);
  }

  /** Bytes the task's sandbox takes, as far as its walks have seen. */
  bytes(task: number): number {
    const walk = this.walks.get(task);
    return walk ? bytesOf(walk) : 0;
  }

  /** Takes each walk further; `entriesMax` directory entries in all, shared among the tasks. */
  measure(entriesMax = sandboxEntriesPerCheckMax): void {
    if (this.walks.size === 0) return;
    const share = Math.max(1, Math.floor(entriesMax / this.walks.size));
    for (const walk of this.walks.values()) this.step(walk, share);
  }

  private step(walk: Walk, entries: number): void {
    for (let left = entries; left > 0; left--) {
      if (!walk.open) {
        const next = walk.directories.pop();
        if (next === undefined) {
          // complete: believed from now on, and the next walk starts at the next check
          walk.complete = walk.partial;
          walk.partial = 0;
          walk.directories.push(walk.root);
          return;
        }
        try {
          walk.open = { dir: opendirSync(next), path: next };
        } catch {
          // removed meanwhile (the task's own rm -r): nothing of it to count
        }
        continue;
      }
      let entry: ReturnType<Dir["readSync"]> = null;
      try {
        entry = walk.open.dir.readSync();
      } catch {
        entry = null;
      }
      if (!entry) {
        closeQuietly(walk.open.dir);
        walk.open = undefined;
        continue;
      }
      const path = join(walk.open.path, entry.name);
      if (entry.isDirectory()) {
        walk.directories.push(path);
        continue;
      }
      const stat = lstatSync(path, { throwIfNoEntry: false });
      if (!stat || (stat.nlink > 1 && this.isCacheFile(stat.ino))) continue;
      walk.partial += stat.blocks * 512;
    }
  }
}

function bytesOf(walk: Walk): number {
  return Math.max(walk.complete, walk.partial);
}

function closeQuietly(dir: Dir | undefined): void {
  try {
    dir?.closeSync();
  } catch {
    // already closed
  }
}
