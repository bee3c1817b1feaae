/**
 * The local launcher behind `skein run --local`: one child process per node, their output
 * streamed line by line with a `[node]` prefix, all stopped together on Ctrl-C / SIGTERM or
 * when the run's duration is over (SIGTERM, then SIGKILL after a grace period). With
 * `restartAfterMs` it is also a supervisor: a node that dies (say, `kill -9`) is started again
 * after that delay, on the same address, and recovers from its storage.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { createInterface } from "node:readline";

/** How long stopped nodes get to exit after SIGTERM before they are killed. */
export const STOP_GRACE_MS = 5_000;
/** Restarts per node a supervised run allows, so a node that dies at start cannot loop forever. */
export const RESTARTS_MAX_DEFAULT = 10;

export interface LaunchNode {
  readonly id: string;
  /** Arguments after the node executable. */
  readonly argv: readonly string[];
}

export interface LaunchInit {
  readonly nodes: readonly LaunchNode[];
  readonly env?: NodeJS.ProcessEnv;
  /** Stop everything after this long (default: until a signal). */
  readonly durationMs?: number;
  /** Restart a node that died, after this delay (default: never). */
  readonly restartAfterMs?: number;
  readonly restartsMax?: number;
  /** Receives every output line (default: stdout). */
  readonly out?: (line: string) => void;
}

/** Ports that were free a moment ago on `host`, chosen by the OS (listen on port 0, close). */
export async function freePorts(count: number, host = "127.0.0.1"): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen({ host, port: 0 }, () => resolve(server));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** Runs the nodes until a signal or the duration; resolves with the exit code (0 unless a node failed to stop). */
export function launchLocal(init: LaunchInit): Promise<number> {
  const out = init.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const children = new Map<string, ChildProcess>();
  const restarts = new Map<string, number>();
  let stopping = false;
  let failures = 0;
  return new Promise((resolve) => {
    const start = (node: LaunchNode) => {
      const child = spawn(process.execPath, [...node.argv], { env: init.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
      children.set(node.id, child);
      out(`[launcher] node ${node.id} started (pid ${child.pid})`);
      for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on("line", (line) => out(`[${node.id}] ${line}`));
      child.on("exit", (code, signal) => {
        if (children.get(node.id) === child) children.delete(node.id);
        out(`[launcher] node ${node.id} exited (${signal ?? `code ${code}`})`);
        if (stopping) {
          if (code !== 0 && signal !== "SIGTERM") failures++;
          if (children.size === 0) finish();
          return;
        }
        const count = restarts.get(node.id) ?? 0;
        if (init.restartAfterMs !== undefined && count < (init.restartsMax ?? RESTARTS_MAX_DEFAULT)) {
          restarts.set(node.id, count + 1);
          setTimeout(() => {
            if (stopping) return;
            out(`[launcher] restarting node ${node.id}`);
            start(node);
          }, init.restartAfterMs);
        }
      });
    };
    const stopAll = () => {
      if (stopping) return;
      stopping = true;
      clearTimeout(durationTimer);
      if (children.size === 0) return finish();
      for (const child of children.values()) child.kill("SIGTERM");
      setTimeout(() => {
        for (const child of children.values()) child.kill("SIGKILL");
      }, STOP_GRACE_MS).unref();
    };
    const finish = () => {
      process.off("SIGINT", stopAll);
      process.off("SIGTERM", stopAll);
      resolve(failures > 0 ? 1 : 0);
    };
    process.on("SIGINT", stopAll);
    process.on("SIGTERM", stopAll);
    const durationTimer = init.durationMs !== undefined ? setTimeout(stopAll, init.durationMs) : undefined;
    for (const node of init.nodes) start(node);
  });
}
