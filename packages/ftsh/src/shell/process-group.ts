// skein-io-adapter: signals process groups and reads /proc to learn whether any member lives.
/**
 * Killing a whole process tree, as ftsh does it: every command runs in its own process group,
 * and cancelling sends SIGTERM to the group, waits up to a grace period for it to exit, then
 * sends SIGKILL until nothing is left ("strong" kill mode). A group is gone when no member is
 * alive: zombies count as dead, because where PID 1 does not reap orphans (some containers)
 * they linger forever although they run nothing.
 */
import { readdirSync, readFileSync } from "node:fs";
import type { RetryEnvironment } from "../environment.ts";

/** Pause between checks while waiting for a group to exit. */
const pollMs = 20;
/** SIGKILL rounds before giving up on an unkillable group (a kernel or file-system bug). */
const killRoundsMax = 50;
/**
 * How long one scan of /proc answers for every group asked about: a forall cancelling a thousand
 * groups polls them all in the same few milliseconds, and each rescanned /proc synchronously.
 */
const scanReuseMs = pollMs / 2;

/** What terminating a group needs from the system; tests substitute it. */
export interface GroupSystem {
  /** Sends `signal` (0: none) to group `pgid`; false if the group does not exist. */
  signal(pgid: number, signal: NodeJS.Signals | 0): boolean;
  /** The process groups that have a live (not zombie) member, or undefined where unknown. */
  scanLiveGroups(): Set<number> | undefined;
}

export const realGroupSystem: GroupSystem = {
  signal(pgid, signal) {
    try {
      process.kill(-pgid, signal);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === "EPERM";
    }
  },
  scanLiveGroups: () => (process.platform === "linux" ? liveGroupsInProc() : undefined),
};

/** Group ids with a live member, from one pass over /proc/<pid>/stat. */
function liveGroupsInProc(): Set<number> | undefined {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return undefined;
  }
  const groups = new Set<number>();
  for (const entry of entries) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue; // not a process
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // fields after the parenthesised command name: state, ppid, pgrp, …
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (state !== "Z" && state !== "X") groups.add(Number(pgrp));
  }
  return groups;
}

/** Answers "is group N alive?" for many groups from one /proc scan per `scanReuseMs`. */
export class GroupWatcher {
  private scan: { atMs: number; groups: Set<number> | undefined } | undefined;

  constructor(
    readonly system: GroupSystem,
    private readonly time: Pick<RetryEnvironment, "now">,
  ) {}

  /** True while some process of group `pgid` is alive (not a zombie). */
  isAlive(pgid: number): boolean {
    if (!this.system.signal(pgid, 0)) return false;
    const nowMs = this.time.now();
    if (!this.scan || nowMs - this.scan.atMs >= scanReuseMs || nowMs < this.scan.atMs) {
      this.scan = { atMs: nowMs, groups: this.system.scanLiveGroups() };
    }
    return this.scan.groups?.has(pgid) ?? true;
  }
}

/** One watcher per clock, shared by every termination in flight. */
const watchers = new WeakMap<object, GroupWatcher>();

function watcherFor(time: Pick<RetryEnvironment, "now">, system: GroupSystem): GroupWatcher {
  let watcher = watchers.get(time);
  if (!watcher || watcher.system !== system) {
    watcher = new GroupWatcher(system, time);
    watchers.set(time, watcher);
  }
  return watcher;
}

/**
 * Terminates group `pgid`: SIGTERM, then SIGKILL after `graceMs`, or as soon as `hurry` aborts
 * (a second Ctrl-C). Resolves with the last signal sent once no member is alive (undefined if
 * the group was already gone), or with "unkillable". Terminations in flight at once share their
 * scans of /proc.
 */
export async function terminateGroup(
  pgid: number,
  graceMs: number,
  time: Pick<RetryEnvironment, "now" | "sleep">,
  hurry?: AbortSignal,
  system: GroupSystem = realGroupSystem,
): Promise<"SIGTERM" | "SIGKILL" | "unkillable" | undefined> {
  const watcher = watcherFor(time, system);
  if (!watcher.isAlive(pgid)) return undefined;
  system.signal(pgid, "SIGTERM");
  // a stopped process (SIGSTOP, or SIGTTIN from reading the terminal) keeps SIGTERM pending until
  // it runs again: without SIGCONT it lived out the whole grace period, as `kill` in a shell knows
  system.signal(pgid, "SIGCONT");
  const deadlineMs = time.now() + graceMs;
  // `hurry` is polled, not listened to: a forall may be terminating a thousand groups at once
  while (time.now() < deadlineMs && !hurry?.aborted) {
    await time.sleep(Math.min(pollMs, Math.max(0, deadlineMs - time.now())));
    if (!watcher.isAlive(pgid)) return "SIGTERM";
  }
  for (let round = 0; round < killRoundsMax; round++) {
    system.signal(pgid, "SIGKILL");
    await time.sleep(pollMs * 5);
    if (!watcher.isAlive(pgid)) return "SIGKILL";
  }
  return "unkillable";
}
