// skein-io-adapter: the worker's cache of input files, hard-linked into task sandboxes.
/**
 * Each input arrives once per worker and is kept in `cache/<sha256>.<mode>`; a task's sandbox
 * gets a hard link to it, so a file used by a thousand tasks crosses the network once and is
 * never copied. A link is the cache file itself: a task that writes to an input in place
 * (`echo more >> in.txt`, a program updating its input) or chmods it changes the cache entry.
 * So every entry keeps the stamp it had when it arrived — inode, size, modification time,
 * mode, owner — and is checked when a task is given it and when the task ends. An entry that
 * changed is dropped (the master sends it again when a task needs it) and, since some task of
 * this workflow writes to it, later tasks get a private copy of it (a reflink where the file
 * system has them). Replacing a file (`sed -i` writes a new one and renames it) leaves the
 * entry alone, and costs nothing.
 *
 * Tasks that hold the same entry at once — running together, or queued on this worker in the
 * master's pipeline window, since sandboxes are made on arrival — share one inode: a change by
 * one is seen by the others. A task whose entry changed while another task also held it is
 * therefore in doubt (it may have read the other's change), whichever of them wrote; its
 * outcome is not reported and the master sends it again, with the entry afresh, and it then
 * runs on a private copy. A task that held the entry alone changed it itself, as a local run
 * would have, and its outcome stands.
 *
 * The ctime would catch every change, but making or removing a hard link changes it too, so
 * it cannot tell a write from another task's link. The modification time is set one second
 * back when a file arrives, so that a write, which stamps the current time, changes it even
 * within the clock's tick. What is not caught: a process that sets the modification time back
 * after writing (keeping size and mode), and a process that outlives its task (a background
 * child, or an aborted task still dying) writing after the check: a task holding the entry
 * alone then takes that change for its own.
 *
 * Every file is hashed as it arrives and cached only when its bytes have the hash it was sent
 * under: a file edited on the master while it was being sent (its head old, its tail new) would
 * otherwise sit in the cache under the old hash, and every later task given that hash would get
 * the wrong bytes. A file that does not match is dropped, and the task that needs it is sent
 * back (`rejection` says why). The cache outlives the connection (a network blip, a master
 * restarted to resume its run): a new connection starts by announcing the entries it holds
 * (`announced`, the most recently used first), and a transfer a broken connection cut short is
 * dropped (`abandonTransfers`), never appended to. Given a size (`skein worker --disk`), the
 * cache keeps its entries within it, removing those no task holds, the least recently used
 * first (the master sends one again when a task needs it); a file larger than the whole cache
 * is refused as it arrives, and the task that needs it fails on this worker, saying so.
 *
 * The alternative of making entries read-only does not hold: workers often run as root.
 * Copying every input for every task would cost gigabytes per task for large inputs.
 */
import { createHash, type Hash } from "node:crypto";
import { appendFileSync, chmodSync, constants, copyFileSync, linkSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, unlinkSync, utimesSync } from "node:fs";
import { dirname, join } from "node:path";
import { makeDirectories } from "@skein/net/fs";
import { cachedFileName } from "./file-modes.ts";

/** One input of a task: a file's content hash and mode, or a directory (neither). */
export interface TaskInput {
  readonly name: string;
  readonly hash?: string;
  readonly mode?: number;
}

/** What a cache entry looked like when it arrived. */
interface Stamp {
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

interface Entry {
  /** `<sha256>.<mode>`, the file's name in the cache. */
  readonly name: string;
  readonly stamp: Stamp;
  /** The links live tasks have to it. */
  readonly holds: Set<Hold>;
  /** Found changed and dropped from the cache. */
  spoiled: boolean;
  /** When it last arrived or was given to a task (a counter): announced most recent first. */
  used: number;
}

interface Hold {
  readonly entry: Entry;
  /** Another link to the entry was live at some time while this one was. */
  shared: boolean;
}

/** A file arriving: the hash of its bytes so far, their count, and whether it is refused (its other chunks are dropped). */
interface Transfer {
  readonly digest: Hash;
  bytes: number;
  /** Larger than the cache may hold (`--disk`). */
  overDisk: boolean;
  /** Why it could not be written (`ENOSPC`). */
  writeError: string | undefined;
}

/** Why a file was refused as it arrived (see `InputCache.reject`). */
export interface Rejection {
  readonly reason: string;
  readonly final: boolean;
  readonly resend: boolean;
}

/** A task's inputs checked at its end. */
export interface InputCheck {
  /** Entries it held that changed, dropped from the cache and not received again since. */
  readonly dropped: string[];
  /** An entry changed while another task held it too: the task may have seen that change. */
  readonly doubtful: boolean;
  /** The names (in the sandbox) of the inputs that changed. */
  readonly changed: string[];
}

/** A content hash (SHA-256, hex) as the master names files. */
export const hashPattern = /^[0-9a-f]{64}$/;

/** Entries a worker announces to a new connection (≈ 70 bytes each on the wire); the most recently used. */
export const cachedAnnouncedMax = 10_000;
/** Files whose bytes did not match their hash remembered, to say why a task lacks one. */
export const rejectionsRememberedMax = 1_000;

export class InputCache {
  private readonly entries = new Map<string, Entry>();
  private readonly holds = new Map<number, Array<{ hold: Hold; name: string }>>();
  /** Entries a task changed: later tasks get a private copy (one per entry this workflow uses). */
  private readonly copied = new Set<string>();
  /** Transfers under way: the hash of the bytes received so far, and their count. */
  private readonly transfers = new Map<string, Transfer>();
  /**
   * Files refused as they arrived, not received whole since → why, and whether sending them
   * again can help (not for a file larger than the cache). The oldest are forgotten first.
   */
  private readonly rejections = new Map<string, Rejection>();
  /** Bytes of the entries. */
  private bytes = 0;
  /** The entries' inodes: a sandbox's link to one is the cache's bytes, not the task's (`sandbox-meter.ts`). */
  private readonly inodes = new Set<number>();
  /** Bytes `--disk` must keep for other files of the worker's (tasks' captured output, `reserve`). */
  private reserved = 0;
  private uses = 0;
  /** Files received whole, and bytes received, for tests. */
  filesReceived = 0;
  bytesReceived = 0;

  /** `bytesMax`: what the entries may take in all (`--disk`); a file larger than that is refused. */
  constructor(
    readonly directory: string,
    readonly bytesMax = Number.POSITIVE_INFINITY,
  ) {
    makeDirectories(directory);
    // a file whose transfer a broken connection (or a killed worker) cut short: sent again whole;
    // and one cached by a worker that kept no mode (`<sha256>` alone), never used again
    for (const name of readdirSync(directory)) if (name.endsWith(".part") || hashPattern.test(name)) rmSync(join(directory, name), { force: true });
  }

  /**
   * A chunk of a file from the master; the last one puts the file in the cache if its bytes have
   * the hash it was sent under, and returns false (the file is dropped) if not.
   */
  receive(hash: string, mode: number, last: boolean, payload: Buffer): boolean {
    const name = cachedFileName(hash, mode);
    const path = join(this.directory, name);
    const part = `${path}.part`;
    let transfer = this.transfers.get(name);
    if (!transfer) {
      transfer = { digest: createHash("sha256"), bytes: 0, overDisk: false, writeError: undefined };
      this.transfers.set(name, transfer);
      rmSync(part, { force: true }); // a transfer starts from nothing, whatever an earlier one left
    }
    transfer.bytes += payload.length;
    this.bytesReceived += payload.length;
    // refused: its other chunks are dropped as they come
    transfer.overDisk ||= transfer.bytes > this.bytesMax;
    if (!transfer.overDisk && transfer.writeError === undefined) {
      try {
        appendFileSync(part, payload);
        transfer.digest.update(payload);
      } catch (error) {
        // a full disk, say: the task that needs it fails here (and may be retried elsewhere), the worker goes on
        transfer.writeError = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      }
    }
    if (!last) return true;
    this.transfers.delete(name);
    if (transfer.overDisk || transfer.writeError !== undefined) {
      rmSync(part, { force: true });
      const why = transfer.overDisk ? `it is ${megabytes(transfer.bytes)}, more than this worker's --disk (${megabytes(this.bytesMax)})` : `it cannot be written to this worker's cache (${transfer.writeError})`;
      return this.reject(name, why, true, !transfer.overDisk);
    }
    const received = transfer.digest.digest("hex");
    if (received !== hash) {
      rmSync(part, { force: true });
      return this.reject(name, `its bytes arrived with sha256 ${received.slice(0, 12)}…, not the ${hash.slice(0, 12)}… they were sent under (the file changed on the master while it was sent?)`, false);
    }
    this.rejections.delete(name);
    this.filesReceived++;
    const known = this.entries.get(name);
    if (known && this.intact(known)) {
      known.used = ++this.uses;
      rmSync(part); // sent again before it heard the entry was fine
      return true;
    }
    if (known) this.spoil(known);
    chmodSync(part, mode); // exactly the master's bits, whatever this process's umask
    const written = statSync(part);
    utimesSync(part, written.atimeMs / 1000, written.mtimeMs / 1000 - 1);
    renameSync(part, path);
    const { ino, size, mtimeMs, mode: fileMode, uid, gid } = statSync(path);
    this.entries.set(name, { name, stamp: { ino, size, mtimeMs, mode: fileMode, uid, gid }, holds: new Set(), spoiled: false, used: ++this.uses });
    this.inodes.add(ino);
    this.bytes += size;
    this.evict(name);
    return true;
  }

  /**
   * Remembers why a file was refused; false. `final`: sending it again for the same task cannot
   * help; `resend`: a later task may have it sent again (a full disk may have room by then).
   */
  private reject(name: string, reason: string, final: boolean, resend = !final): false {
    this.rejections.delete(name);
    this.rejections.set(name, { reason, final, resend });
    if (this.rejections.size > rejectionsRememberedMax) this.rejections.delete(this.rejections.keys().next().value!);
    return false;
  }

  /** Why the file of entry `name` is not here, when it was refused as it arrived. */
  rejection(name: string): Rejection | undefined {
    return this.rejections.get(name);
  }

  /** Keeps `bytes` of `bytesMax` for other files (tasks' captured output): entries no task holds leave as for a new entry. */
  reserve(bytes: number): void {
    this.reserved = bytes;
    this.evict("");
  }

  /** Whether `ino` is a cache entry's file (a task's sandbox links to it: counted as the cache's). */
  isEntryInode(ino: number): boolean {
    return this.inodes.has(ino);
  }

  /** Bytes of the entries (more than `bytesMax` while tasks hold more than that together). */
  get entryBytes(): number {
    return this.bytes;
  }

  /** Removes entries no task holds, the least recently used first, until they and `reserved` fit in `bytesMax`; never `keep`. */
  private evict(keep: string): void {
    if (this.bytes + this.reserved <= this.bytesMax) return;
    const idle = [...this.entries.values()].filter((entry) => entry.holds.size === 0 && entry.name !== keep).sort((a, b) => a.used - b.used);
    for (const entry of idle) {
      if (this.bytes + this.reserved <= this.bytesMax) return;
      this.remove(entry);
    }
  }

  /** Takes an entry out of the cache, and its file if it is still the entry's. */
  private remove(entry: Entry): void {
    if (this.entries.get(entry.name) !== entry) return;
    this.entries.delete(entry.name);
    this.inodes.delete(entry.stamp.ino);
    this.bytes -= entry.stamp.size;
    const path = join(this.directory, entry.name);
    if (statSync(path, { throwIfNoEntry: false })?.ino === entry.stamp.ino) unlinkSync(path);
  }

  /** A connection ended: transfers it cut short are dropped (the next connection sends them whole). */
  abandonTransfers(): void {
    for (const name of this.transfers.keys()) rmSync(join(this.directory, `${name}.part`), { force: true });
    this.transfers.clear();
  }

  /** The entries held, unchanged, the most recently used first: at most `limit`. */
  announced(limit = cachedAnnouncedMax): string[] {
    const intact = [...this.entries.values()].filter((entry) => !entry.spoiled && this.intact(entry));
    return intact.sort((a, b) => b.used - a.used).slice(0, limit).map((entry) => entry.name);
  }

  /** Tasks with holds on entries (placed and not yet released), for tests and the end of a connection. */
  holders(): number[] {
    return [...this.holds.keys()];
  }

  /** The cache entries `inputs` need that this worker does not have unchanged (changed ones are dropped). */
  missing(inputs: readonly TaskInput[]): string[] {
    const missing = new Set<string>();
    for (const { hash, mode } of inputs) {
      if (hash === undefined) continue;
      const name = cachedFileName(hash, mode!);
      const entry = this.entries.get(name);
      if (entry && this.intact(entry)) continue;
      if (entry) this.spoil(entry);
      missing.add(name);
    }
    return [...missing];
  }

  /**
   * Puts a task's inputs in its sandbox: directories made, files linked (or copied). Call after
   * `missing`. Returns the bytes of the private copies it made, which are the task's, not the
   * cache's (they count against `--disk` with the files the task writes: `sandbox-meter.ts`).
   */
  place(task: number, inputs: readonly TaskInput[], sandbox: string): number {
    let copiedBytes = 0;
    const holds: Array<{ hold: Hold; name: string }> = [];
    this.holds.set(task, holds);
    for (const input of inputs) {
      const path = join(sandbox, input.name);
      if (input.hash === undefined) {
        mkdirSync(path, { recursive: true });
        continue;
      }
      mkdirSync(dirname(path), { recursive: true });
      const entry = this.entries.get(cachedFileName(input.hash, input.mode!))!;
      entry.used = ++this.uses;
      const source = join(this.directory, entry.name);
      if (this.copied.has(entry.name) || !tryLink(source, path)) {
        copyFileSync(source, path, constants.COPYFILE_FICLONE); // its own inode: nothing to watch
        copiedBytes += entry.stamp.size;
        continue;
      }
      const hold: Hold = { entry, shared: entry.holds.size > 0 };
      for (const other of entry.holds) other.shared = true;
      entry.holds.add(hold);
      holds.push({ hold, name: input.name });
    }
    return copiedBytes;
  }

  /** A task ended (or was killed): checks the entries it held; changed ones leave the cache. */
  release(task: number): InputCheck {
    const holds = this.holds.get(task) ?? [];
    this.holds.delete(task);
    const dropped = new Set<string>();
    const changed: string[] = [];
    let doubtful = false;
    for (const { hold, name } of holds) {
      const { entry } = hold;
      entry.holds.delete(hold);
      if (!entry.spoiled && this.intact(entry)) continue;
      this.spoil(entry);
      changed.push(name);
      if (hold.shared) doubtful = true;
      if (!this.entries.has(entry.name)) dropped.add(entry.name);
    }
    return { dropped: [...dropped], doubtful, changed };
  }

  /** Whether the entry's file is as it arrived. */
  private intact(entry: Entry): boolean {
    const now = statSync(join(this.directory, entry.name), { throwIfNoEntry: false });
    const { stamp } = entry;
    return now !== undefined && now.ino === stamp.ino && now.size === stamp.size && now.mtimeMs === stamp.mtimeMs && now.mode === stamp.mode && now.uid === stamp.uid && now.gid === stamp.gid;
  }

  /** Drops a changed entry: the master must send it again, and later tasks get copies of it. */
  private spoil(entry: Entry): void {
    if (entry.spoiled) return;
    entry.spoiled = true;
    this.copied.add(entry.name);
    this.remove(entry);
  }
}

/** A size for people: `12.5 MB`, or `900 bytes`. */
export function megabytes(bytes: number): string {
  return bytes < 100_000 ? `${bytes} bytes` : `${Number((bytes / 1_000_000).toFixed(1))} MB`;
}

/** Links `source` at `target`; false when the file system will not (then the caller copies). */
function tryLink(source: string, target: string): boolean {
  try {
    linkSync(source, target);
    return true;
  } catch {
    return false;
  }
}
