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

/** True while some process of group `pgid` is alive (not a zombie). */
export function groupIsAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  return process.platform === "linux" ? groupHasLiveMemberInProc(pgid) : true;
}

function groupHasLiveMemberInProc(pgid: number): boolean {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return true;
  }
  for (const entry of entries) {
    if (!/^[0-9]+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // fields after the parenthesised command name: state, ppid, pgrp, …
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(pgrp) === pgid && state !== "Z" && state !== "X") return true;
  }
  return false;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is already gone
  }
}

/**
 * Terminates group `pgid`: SIGTERM, then SIGKILL after `graceMs`, or as soon as `hurry` aborts
 * (a second Ctrl-C). Resolves with the last signal sent once no member is alive (undefined if
 * the group was already gone), or with "unkillable".
 */
export async function terminateGroup(
  pgid: number,
  graceMs: number,
  time: Pick<RetryEnvironment, "now" | "sleep">,
  hurry?: AbortSignal,
): Promise<"SIGTERM" | "SIGKILL" | "unkillable" | undefined> {
  if (!groupIsAlive(pgid)) return undefined;
  signalGroup(pgid, "SIGTERM");
  // a stopped process (SIGSTOP, or SIGTTIN from reading the terminal) keeps SIGTERM pending until
  // it runs again: without SIGCONT it lived out the whole grace period, as `kill` in a shell knows
  signalGroup(pgid, "SIGCONT");
  const deadlineMs = time.now() + graceMs;
  // `hurry` is polled, not listened to: a forall may be terminating a thousand groups at once
  while (time.now() < deadlineMs && !hurry?.aborted) {
    await time.sleep(Math.min(pollMs, Math.max(0, deadlineMs - time.now())));
    if (!groupIsAlive(pgid)) return "SIGTERM";
  }
  for (let round = 0; round < killRoundsMax; round++) {
    signalGroup(pgid, "SIGKILL");
    await time.sleep(pollMs * 5);
    if (!groupIsAlive(pgid)) return "SIGKILL";
  }
  return "unkillable";
}
