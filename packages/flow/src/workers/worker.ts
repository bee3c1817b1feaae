// skein-io-adapter: the worker process — TCP to the master, a file cache, sandboxes, processes.
/**
 * `skein worker host:port`: connects to a master, proves the password, then runs tasks. Each
 * input arrives once per worker and is kept in `cache/<sha256>`; each task runs in its own
 * `sandbox/<task>/` where its inputs are hard links to the cache; declared outputs are sent
 * back and the sandbox is removed. Names that would leave the sandbox are refused.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, existsSync, linkSync, mkdirSync, copyFileSync, renameSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { dirname, join } from "node:path";
import { passwordProof } from "./auth.ts";
import { encodeFrame, type Frame, FrameDecoder } from "./frames.ts";
import { sandboxPathProblem } from "./sandbox-paths.ts";
import { sendOutputs } from "./worker-outputs.ts";

export interface WorkerInit {
  readonly host: string;
  readonly port: number;
  readonly cores?: number;
  readonly memoryMb?: number;
  readonly diskMb?: number;
  readonly password?: string;
  /** Where the cache and sandboxes live. */
  readonly workDirectory: string;
  readonly log?: (line: string) => void;
}

export interface WorkerHandle {
  /** Resolves when the connection ends: the reason. */
  readonly closed: Promise<string>;
  /** Files received (each hash once), for tests. */
  readonly filesReceived: () => number;
  /** Drops the connection at once, killing running tasks (as if the worker died). */
  kill(): void;
}

interface TaskHeader {
  task: number;
  command: string;
  environment: Record<string, string>;
  inputs: Array<{ name: string; hash?: string }>;
  outputs: string[];
}

export function startWorker(init: WorkerInit): WorkerHandle {
  const cache = join(init.workDirectory, "cache");
  const sandboxes = join(init.workDirectory, "sandbox");
  mkdirSync(cache, { recursive: true });
  mkdirSync(sandboxes, { recursive: true });
  const processes = new Map<number, ChildProcess>();
  const decoder = new FrameDecoder();
  let filesReceived = 0;
  let resolveClosed!: (reason: string) => void;
  const closed = new Promise<string>((resolve) => {
    resolveClosed = resolve;
  });
  let reason = "connection closed";
  const socket: Socket = connect({ host: init.host, port: init.port });
  socket.setNoDelay(true);

  const send = (header: object, payload?: Buffer) => socket.write(encodeFrame(header, payload));
  const killAll = () => {
    for (const child of processes.values()) if (child.pid) tryKill(child.pid);
    processes.clear();
  };

  const onFrame = (frame: Frame) => {
    const header = frame.header as Record<string, unknown> & { type: string };
    if (header.type === "challenge") {
      const proof = init.password === undefined ? undefined : passwordProof(init.password, String(header.nonce));
      send({ type: "hello", proof, cores: init.cores ?? 1, memoryMb: init.memoryMb, diskMb: init.diskMb });
    } else if (header.type === "welcome") init.log?.("connected to the master");
    else if (header.type === "refused") {
      reason = `the master refused this worker: ${String(header.reason)}`;
      socket.destroy();
    } else if (header.type === "bye") {
      reason = "the master finished";
      socket.end();
    } else if (header.type === "file") receiveFile(String(header.hash), header.last === true, frame.payload);
    else if (header.type === "task") runTask(header as unknown as TaskHeader);
    else if (header.type === "abort") {
      const child = processes.get(Number(header.task));
      processes.delete(Number(header.task));
      if (child?.pid) tryKill(child.pid);
    }
  };

  const receiveFile = (hash: string, last: boolean, payload: Buffer) => {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error("bad file hash");
    const part = join(cache, `${hash}.part`);
    appendFileSync(part, payload);
    if (last) {
      renameSync(part, join(cache, hash));
      filesReceived++;
    }
  };

  const runTask = (task: TaskHeader) => {
    const names = [...task.inputs.map((i) => i.name), ...task.outputs];
    const bad = names.map((name) => [name, sandboxPathProblem(String(name))] as const).find(([, problem]) => problem);
    if (bad || task.inputs.some((i) => i.hash !== undefined && !/^[0-9a-f]{64}$/.test(i.hash))) {
      send({ type: "result", task: task.task, refused: bad ? `'${bad[0]}' would escape the sandbox (${bad[1]})` : "bad input hash" });
      return;
    }
    const sandbox = join(sandboxes, String(task.task));
    rmSync(sandbox, { recursive: true, force: true });
    mkdirSync(sandbox, { recursive: true });
    for (const input of task.inputs) {
      const path = join(sandbox, input.name);
      if (input.hash === undefined) mkdirSync(path, { recursive: true });
      else {
        mkdirSync(dirname(path), { recursive: true });
        linkOrCopy(join(cache, input.hash), path);
      }
    }
    const child = spawn("/bin/sh", ["-c", task.command], { cwd: sandbox, env: { ...process.env, ...task.environment }, stdio: ["ignore", "inherit", "inherit"], detached: true });
    processes.set(task.task, child);
    const done = (exitCode: number | null, signal: string | null) => {
      if (processes.get(task.task) !== child) return rmSync(sandbox, { recursive: true, force: true });
      processes.delete(task.task);
      const missing = task.outputs.filter((name) => !existsSync(join(sandbox, name)));
      if (exitCode === 0) sendOutputs(sandbox, task.task, task.outputs, send);
      send({ type: "result", task: task.task, exitCode, signal, missing });
      rmSync(sandbox, { recursive: true, force: true });
    };
    child.on("error", () => done(127, null));
    child.on("exit", done);
  };

  socket.on("data", (chunk: Buffer) => {
    try {
      for (const frame of decoder.push(chunk)) onFrame(frame);
    } catch (error) {
      reason = `protocol error: ${(error as Error).message}`;
      socket.destroy();
    }
  });
  socket.on("error", (error) => {
    reason = error.message;
  });
  socket.on("close", () => {
    killAll();
    resolveClosed(reason);
  });
  return {
    closed,
    filesReceived: () => filesReceived,
    kill() {
      reason = "killed";
      killAll();
      socket.destroy();
    },
  };
}

function linkOrCopy(source: string, target: string): void {
  try {
    linkSync(source, target);
  } catch {
    copyFileSync(source, target);
  }
}

function tryKill(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

