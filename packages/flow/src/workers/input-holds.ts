/**
 * The input bytes a worker's tasks hold, as its master sees them: every task sent to the worker
 * and not yet ended there — running, or queued in the worker for cores (the pipeline window) —
 * holds its inputs in the worker's cache (`input-cache.ts`), which `--disk` bounds. A task
 * whose inputs would not fit beside them waits on the master, in order, until tasks ending
 * there leave room (`WorkerConnection`): sent at once, its inputs would land on the worker
 * while it could not run yet, and held inputs past `--disk` leave the worker unable to enforce
 * it (it kills only a task that alone passes it). A task that alone fits always fits beside
 * none, so the first one waiting goes as soon as the worker holds nothing.
 *
 * At most the tasks of the master's pipeline window are counted (`pipelineCoresMax`), and a
 * task's entries are its rule's inputs: nothing here grows beyond what the connection holds.
 */
import type { ShippedEntry } from "./file-catalog.ts";
import { cachedFileName } from "./file-modes.ts";

export class InputHolds {
  /** Cache entry → its bytes and the tasks holding it. */
  private readonly entries = new Map<string, { bytes: number; tasks: number }>();
  /** Task → the entries it holds (each once). */
  private readonly byTask = new Map<number, ReadonlySet<string>>();
  /** Bytes of the entries held, each once. */
  private held = 0;

  /** Bytes held, each entry once, for tests. */
  get bytes(): number {
    return this.held;
  }

  /** Whether `inputs` fit in `bytesMax` beside the entries held (those they share count once). */
  fits(inputs: readonly ShippedEntry[], bytesMax: number): boolean {
    let bytes = this.held;
    let counted: Set<string> | undefined;
    for (const { hash, mode, size } of inputs) {
      if (!hash || mode === undefined) continue;
      const name = cachedFileName(hash, mode);
      if (this.entries.has(name) || counted?.has(name)) continue;
      (counted ??= new Set()).add(name);
      bytes += size;
    }
    return bytes <= bytesMax;
  }

  /** `task` was sent: it holds `inputs` until it ends there (`release`). */
  hold(task: number, inputs: readonly ShippedEntry[]): void {
    this.release(task);
    const names = new Set<string>();
    for (const { hash, mode, size } of inputs) {
      if (!hash || mode === undefined) continue;
      const name = cachedFileName(hash, mode);
      if (names.has(name)) continue;
      names.add(name);
      const entry = this.entries.get(name);
      if (entry) entry.tasks++;
      else {
        this.entries.set(name, { bytes: size, tasks: 1 });
        this.held += size;
      }
    }
    this.byTask.set(task, names);
  }

  /** `task` ended on the worker (a result, an abort, a rerun asked): what it held is released. */
  release(task: number): void {
    const names = this.byTask.get(task);
    if (!names) return;
    this.byTask.delete(task);
    for (const name of names) {
      const entry = this.entries.get(name)!;
      if (--entry.tasks > 0) continue;
      this.entries.delete(name);
      this.held -= entry.bytes;
    }
  }
}
