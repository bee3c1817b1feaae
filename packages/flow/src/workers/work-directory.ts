// skein-io-adapter: each worker process's own directory inside a shared --workdir.
/**
 * Several workers may be started with one `--workdir` (a batch system starting a worker per
 * core with the same command line, or two on one machine by hand). Each works in a directory of
 * its own inside it, `worker-<host>-<pid>-<n>`, as Work Queue's workers do (`worker-<uid>-<pid>`):
 * sandboxes are numbered from 1 in every worker and input transfers append to `<hash>.part`, so
 * two workers in one directory would remove each other's running sandboxes and interleave each
 * other's files. The worker removes its directory when it exits; one a killed worker (kill -9,
 * a crashed machine) left is removed by the next worker started there on the same host, once
 * no process has that pid. A worker given no `--workdir` does the same in the system's temporary
 * directory, under `skein-worker-<host>-<pid>-<n>`. The cache is not shared: it lives as long as its worker process
 * (across that worker's connections, see `worker-supervisor.ts`).
 */
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

/** Workers this process started in one parent directory (tests run several in one process). */
let claimed = 0;

/** A host name as it may appear in a directory name. */
function hostPart(host: string): string {
  return host.replace(/[^A-Za-z0-9.]/g, "_").slice(0, 64) || "host";
}

/** Whether a process with this pid runs on this host (one of another user's counts). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Makes this worker's directory inside `parent` (which exists), first removing the ones workers
 * of this host that no longer run left there. Returns its absolute path when `parent` is.
 * `name`: what the directories start with (`worker`; `skein-worker` in the system's temporary
 * directory, which a worker given no `--workdir` uses, so that one killed there leaves no cache
 * behind for good either). Made readable by its owner only: it holds the master's inputs.
 */
export function claimWorkDirectory(parent: string, host: string = hostname(), pid: number = process.pid, name = "worker"): string {
  const prefix = `${name}-${hostPart(host)}-`;
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(prefix)) continue;
    const match = /^(\d+)-\d+$/.exec(name.slice(prefix.length));
    if (!match) continue;
    const owner = Number(match[1]);
    if (owner === pid || alive(owner)) continue;
    try {
      rmSync(join(parent, name), { recursive: true, force: true });
    } catch {
      // another worker removing it too, or not ours to remove: left
    }
  }
  const path = join(parent, `${prefix}${pid}-${++claimed}`);
  // one that exists was left by an earlier process that had this pid (it cannot run any more)
  rmSync(path, { recursive: true, force: true });
  mkdirSync(path, { mode: 0o700 });
  return path;
}
