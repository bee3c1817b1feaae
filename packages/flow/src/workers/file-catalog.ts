// skein-io-adapter: hashes and lists the master's input files for shipping to workers.
/**
 * Inputs are shipped by content hash: the master hashes each file once (cached by size and
 * modification time), and sends a hash to a worker only the first time that worker needs it.
 * A directory input ships as its files (and its empty directories). Each file carries its
 * permission bits (see `file-modes.ts`), read afresh for every task: a `chmod` changes no
 * modification time, so the mode is never taken from the hash's cache.
 */
import { createHash } from "node:crypto";
import { closeSync, openSync, readdirSync, readSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import { shippedMode } from "./file-modes.ts";
import { chunkBytes } from "./frames.ts";

export interface ShippedEntry {
  /** Name inside the sandbox. */
  readonly name: string;
  /** Content hash, or undefined for a directory. */
  readonly hash: string | undefined;
  /** Permission bits (`mode & 0o777`), or undefined for a directory. */
  readonly mode: number | undefined;
  /** Absolute path on the master. */
  readonly path: string;
  /** Bytes, when it was listed (0 for a directory). */
  readonly size: number;
}

/**
 * Sizes of input paths remembered for the run (`sizeOf`), the oldest forgotten first past it: the
 * scheduler asks a worker's --disk about a rule each time it places one, and a `stat` per input
 * per task on the master is what this saves.
 */
export const sizesRememberedMax = 100_000;

export class FileCatalog {
  private readonly hashes = new Map<string, { size: number; mtimeMs: number; hash: string }>();
  private readonly sizes = new Map<string, number>();

  /**
   * Bytes of the file at `path`, Infinity for a directory; remembered for the run, since a
   * rule's inputs do not change while it is ready — a file the run makes is made before the
   * rules that read it are placed, and an output a worker sends is forgotten as it lands
   * (`forgetSize`). Only an estimate for placing tasks: the connection lists the inputs afresh
   * when it sends a task, and a worker whose --disk they then pass refuses it (`elsewhere`).
   * Throws when `path` cannot be read (nothing is remembered).
   */
  sizeOf(path: string): number {
    const known = this.sizes.get(path);
    if (known !== undefined) return known;
    const stat = statSync(path);
    const size = stat.isDirectory() ? Number.POSITIVE_INFINITY : stat.size;
    if (this.sizes.size >= sizesRememberedMax) this.sizes.delete(this.sizes.keys().next().value!);
    this.sizes.set(path, size);
    return size;
  }

  /** `path` was written (an output landed there): its size is read again when asked. */
  forgetSize(path: string): void {
    this.sizes.delete(path);
  }

  hashOf(path: string, stat: { size: number; mtimeMs: number } = statSync(path)): string {
    const known = this.hashes.get(path);
    if (known && known.size === stat.size && known.mtimeMs === stat.mtimeMs) return known.hash;
    const hash = hashFile(path);
    this.hashes.set(path, { size: stat.size, mtimeMs: stat.mtimeMs, hash });
    return hash;
  }

  /** Forgets the hash of `path`: it changed in a way its size and modification time did not show. */
  forget(path: string): void {
    this.hashes.delete(path);
  }

  /** The entries a source expands to: one file, or a directory's tree. */
  entries(path: string, name: string, within: readonly string[] = []): ShippedEntry[] {
    const stat = statSync(path);
    // reading a FIFO would wait for a writer for ever (and a device may never end)
    if (!stat.isDirectory() && !stat.isFile()) throw new Error(`${path} is ${stat.isFIFO() ? "a FIFO" : stat.isSocket() ? "a socket" : "a device"}, not a file or directory`);
    if (!stat.isDirectory()) return [{ name, hash: this.hashOf(path, stat), mode: shippedMode(stat), path, size: stat.size }];
    // a link to a directory holding it would be shipped without end (until ELOOP, after 40 levels of everything)
    const real = realpathSync(path);
    if (within.some((entered) => entered === real || entered.startsWith(`${real}/`))) throw new Error(`${path} is a symbolic link to a directory that contains it`);
    const out: ShippedEntry[] = [{ name, hash: undefined, mode: undefined, path, size: 0 }];
    for (const child of readdirSync(path).sort()) out.push(...this.entries(join(path, child), `${name}/${child}`, [...within, real]));
    return out;
  }
}

/** Where files are read for hashing, a chunk at a time. */
const hashBuffer = Buffer.allocUnsafe(chunkBytes);

/** A file's SHA-256, read in chunks: a file of any size, never whole in memory (readFileSync stops at 2 GiB). */
function hashFile(path: string): string {
  const hash = createHash("sha256");
  const fd = openSync(path, "r");
  try {
    for (let read = readSync(fd, hashBuffer, 0, chunkBytes, null); read > 0; read = readSync(fd, hashBuffer, 0, chunkBytes, null)) hash.update(hashBuffer.subarray(0, read));
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}
