// skein-io-adapter: finds a dead launcher's leftover processes in /proc and kills them.
/**
 * The launcher leads a session of its own (it is spawned detached), and every command it starts
 * leads a process group inside that session; so does everything those commands start, unless it
 * calls setsid() itself. When the launcher dies unexpectedly (kill -9, the OOM killer), nobody
 * knows its commands' process IDs any more: rather than have the launcher report each pid (one
 * more write per command on the hot path), the master finds the session's processes in /proc
 * — only then, once — and kills their process groups. A session ID stays taken while any
 * process of the session lives, so no unrelated process can carry it.
 * Linux only (/proc); elsewhere nothing is found.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Scans of /proc for survivors (a process forking while its group is killed may leave a child). */
export const sessionKillRoundsMax = 4;

/** Session ID, process group and state of a process, from /proc/<pid>/stat; undefined if gone. */
function processStat(pid: string): { session: number; group: number; state: string } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return undefined;
  }
  // "pid (name) state ppid pgrp session ...": the name may hold spaces and parentheses
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { state: fields[0]!, group: Number(fields[2]), session: Number(fields[3]) };
}

/** Live processes (not zombies) of session `session`, with their process groups. */
function sessionMembers(session: number): Array<{ pid: number; group: number }> {
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return [];
  }
  const members: Array<{ pid: number; group: number }> = [];
  for (const name of names) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue; // not a process
    const stat = processStat(name);
    if (stat && stat.session === session && stat.state !== "Z" && stat.state !== "X") members.push({ pid: Number(name), group: stat.group });
  }
  return members;
}

function kill(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // gone meanwhile
  }
}

/**
 * SIGKILLs every process left in session `session` (the pid of a dead session leader), group
 * by group, and each member by itself; returns how many processes it signalled.
 */
export function killSession(session: number): number {
  if (!Number.isInteger(session) || session <= 1 || session === process.pid) return 0;
  const signalled = new Set<number>();
  for (let round = 0; round < sessionKillRoundsMax; round++) {
    const members = sessionMembers(session).filter((member) => !signalled.has(member.pid));
    if (members.length === 0) break;
    const groups = new Set(members.map((member) => member.group));
    for (const group of groups) if (group > 1 && group !== process.pid) kill(-group);
    for (const member of members) {
      kill(member.pid);
      signalled.add(member.pid);
    }
  }
  return signalled.size;
}
