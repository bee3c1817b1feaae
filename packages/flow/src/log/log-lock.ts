// skein-io-adapter: a lock file beside the transaction log, so one master runs a workflow at a time.
/**
 * Two masters on one workflow would run every rule twice at once, each removing the other's
 * half-made targets as stale and appending to one log. A run (and `--clean`) therefore holds
 * `<log>.lock` while it writes: created with O_EXCL, holding `pid host start-time`. A lock whose
 * process is gone (a master killed with -9) is taken over: same host, and no process with that
 * pid, or one started at another time (the pid was reused). A lock of another host cannot be
 * checked (a shared file system): the run stops and says which file to remove.
 *
 * flock(2) would vanish with its process by itself, but Node has no flock, and it does not
 * work across NFS, where Slurm runs share a workflow's directory.
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { hostname } from "node:os";

/** The workflow is being run by another master (or, nested, by this one). */
export class LogLockError extends Error {}

export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  /** When the process started, in the kernel's clock ticks since boot ("" where unknown). */
  readonly startTime: string;
}

/**
 * The start time of process `pid` (field 22 of /proc/<pid>/stat), "" when unknown; undefined
 * when there is no such process, or only its zombie (a master killed with -9 whose parent has
 * not reaped it yet: it runs nothing and holds nothing, but `kill(pid, 0)` still finds it).
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z" || fields[0] === "X") return undefined;
    return fields[19] ?? "";
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") return "";
  }
  try {
    process.kill(pid, 0); // no /proc here: whether it lives, at least
    return "";
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM" ? "" : undefined;
  }
}

/** This process, as its lock file names it. */
export function thisProcess(): LockOwner {
  return { pid: process.pid, host: hostname(), startTime: processStartTime(process.pid) ?? "" };
}

export function lockPath(logPath: string): string {
  return `${logPath}.lock`;
}

function parseOwner(text: string): LockOwner | undefined {
  const [pid, host, startTime] = text.trim().split(" ");
  return pid && /^\d+$/.test(pid) && host ? { pid: Number(pid), host, startTime: startTime ?? "" } : undefined;
}

/** Whether the lock's process is certainly gone (same host, no such process, or another one under its pid). */
function gone(owner: LockOwner, self: LockOwner): boolean {
  if (owner.host !== self.host) return false;
  const started = processStartTime(owner.pid);
  return started === undefined || (started !== "" && owner.startTime !== "" && started !== owner.startTime);
}

/**
 * Takes the lock of the log at `logPath` for `self`; returns its release. Throws LogLockError,
 * naming the run that holds it, when another live run does.
 */
export function lockLog(logPath: string, self: LockOwner = thisProcess()): () => void {
  const path = lockPath(logPath);
  const text = `${self.pid} ${self.host} ${self.startTime}\n`;
  for (let attempt = 0; ; attempt++) {
    if (createLock(path, text)) return () => releaseLock(path, text);
    const held = readOwner(path);
    if (held === "none") continue; // released meanwhile
    if (held !== undefined && !gone(held, self)) throw heldError(logPath, path, held, self);
    if (attempt > 0 || !takeOver(path, held)) throw heldError(logPath, path, held, self);
  }
}

/**
 * Creates the lock holding `text`, or returns false when it exists. The text is written to a
 * file of our own first and linked under the lock's name, so the lock never exists empty (a
 * kill, or a full disk, between creating and writing it would leave a lock no one can read).
 */
function createLock(path: string, text: string): boolean {
  const own = `${path}.${process.pid}.tmp`;
  try {
    const fd = openSync(own, "w", 0o644);
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(own, path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP") throw error;
      createWithoutLink(path, text); // a file system without hard links
    }
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    throw new LogLockError(`cannot create the lock ${path} (${code ?? (error as Error).message})`);
  } finally {
    rmSync(own, { force: true });
  }
}

function createWithoutLink(path: string, text: string): void {
  const fd = openSync(path, "wx", 0o644);
  try {
    writeSync(fd, text);
  } catch (error) {
    rmSync(path, { force: true });
    throw error;
  } finally {
    closeSync(fd);
  }
}

function readOwner(path: string): LockOwner | undefined | "none" {
  try {
    return parseOwner(readFileSync(path, "latin1"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "none";
    return undefined;
  }
}

/**
 * Removes a lock left by a dead run. It is first renamed to a name of our own (one taker wins),
 * and put back if what was moved is not the dead run's lock after all (a live run took it meanwhile).
 */
function takeOver(path: string, dead: LockOwner | undefined): boolean {
  if (dead === undefined) return false; // not a lock we can read: the user decides
  const moved = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, moved);
  } catch {
    return true; // another taker moved it: try again
  }
  const movedOwner = readOwner(moved);
  const same = movedOwner !== "none" && movedOwner !== undefined && movedOwner.pid === dead.pid && movedOwner.host === dead.host && movedOwner.startTime === dead.startTime;
  if (!same) {
    try {
      linkSync(moved, path);
    } catch {
      // a third run holds it now; ours fails below
    }
  }
  rmSync(moved, { force: true });
  return same;
}

function heldError(logPath: string, path: string, held: LockOwner | undefined, self: LockOwner): LogLockError {
  if (held === undefined) return new LogLockError(`${path}: a lock file skein cannot read; remove it if no skein flow runs this workflow`);
  const who = held.pid === self.pid && held.host === self.host ? "this skein flow (two rules nest the same workflow in the same directory)" : `another skein flow (pid ${held.pid} on ${held.host})`;
  return new LogLockError(`${logPath} is in use by ${who}; wait for it to end, or remove ${path} if no such run exists`);
}

/** Removes the lock if it is still ours. */
function releaseLock(path: string, text: string): void {
  try {
    if (readFileSync(path, "latin1") === text) rmSync(path, { force: true });
  } catch {
    // gone already
  }
}
