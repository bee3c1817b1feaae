// skein-io-adapter: the ShellHost of `skein ftsh` — child processes, files and the terminal.
/**
 * Runs each program with `detached: true`, so it leads a process group of its own and a
 * cancellation can kill everything it started (see process-group.ts). Output captured into a
 * variable arrives through a pipe and is bounded; a program that writes more is stopped.
 */
import { type ChildProcess, spawn, type StdioOptions } from "node:child_process";
import { constants } from "node:fs";
import { access, type FileHandle, lstat, open, stat } from "node:fs/promises";
import { homedir } from "node:os";
import type { RetryEnvironment } from "../environment.ts";
import type { FileTest, InputSource, OutputSink, ProcessOutcome, ProcessRequest, ShellHost } from "./host.ts";
import { type Guardian, startGuardian } from "./guardian.ts";
import { OwnOutput } from "./own-output.ts";
import { terminateGroup } from "./process-group.ts";

export interface ProcessHostInit {
  /** Grace period between SIGTERM and SIGKILL when a command is cancelled. */
  killGraceMs: number;
  /** When it aborts, commands being cancelled are killed with SIGKILL at once (a second stop signal). */
  hurry?: AbortSignal;
  /** The clock that grace period is measured on (`realEnvironment` from @skein/net). */
  time: Pick<RetryEnvironment, "now" | "sleep">;
  /** Start a guardian that kills the running programs if ftsh itself is killed (default true). */
  guardian?: boolean;
}

const missingFileCodes = new Set(["ENOENT", "ENOTDIR", "ELOOP", "EACCES", "EROFS", "ENAMETOOLONG"]);
const openFlags = { input: "r", output: "w", append: "a" } as const;

export function processHost(init: ProcessHostInit): ShellHost {
  const files = new Map<number, FileHandle>();
  const sleep = (ms: number, signal?: AbortSignal) => init.time.sleep(ms, signal);
  const own = { 1: new OwnOutput(1, sleep), 2: new OwnOutput(2, sleep) };
  let guardian: Guardian | undefined;
  const guardianOf = (): Guardian | undefined => {
    if (init.guardian === false) return undefined;
    guardian ??= startGuardian(init.killGraceMs);
    return guardian;
  };
  return {
    pid: process.pid,
    homeDirectory: () => homedir(),
    run: (request, signal) => runProcess(request, signal, init, guardianOf()),
    async openFile(path, mode, signal) {
      const handle = await openAbortably(path, mode, signal);
      files.set(handle.fd, handle);
      return handle.fd;
    },
    async closeFile(fd) {
      await files.get(fd)?.close();
      files.delete(fd);
    },
    async write(sink, text, signal) {
      if (sink.kind === "file") {
        await files
          .get(sink.handle)
          ?.write(text)
          .catch((error: unknown) => {
            throw new Error(describeSystemError(error));
          });
        return;
      }
      await own[sink.fd].write(text, signal).catch((error: unknown) => {
        if (signal?.aborted) throw error;
        throw new Error(describeSystemError(error));
      });
    },
    async flush(signal) {
      await Promise.all([own[1].flush(signal), own[2].flush(signal)]);
    },
    testFile,
  };
}

/**
 * Opens a file for a redirection. Opening a FIFO waits in a libuv thread until something opens
 * its other end, and no deadline or signal can interrupt that thread: `cat < fifo` hung past its
 * try's time limit, and SIGTERM could not end ftsh (the waiting open kept Node alive). When
 * `signal` aborts, the open is given up and released by opening the other end ourselves, without
 * blocking; whatever it then opens is closed at once.
 */
async function openAbortably(path: string, mode: keyof typeof openFlags, signal: AbortSignal | undefined): Promise<FileHandle> {
  signal?.throwIfAborted();
  const opening = open(path, openFlags[mode], 0o666);
  if (!signal) return opening.catch(failWithReadableMessage);
  return new Promise<FileHandle>((resolve, reject) => {
    const onAbort = (): void => {
      reject(signal.reason);
      opening.then((handle) => handle.close(), () => {});
      releaseWaitingOpen(path, mode);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    opening
      .then(resolve, (error: unknown) => reject(new Error(describeSystemError(error))))
      .finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** Opens the other end of a FIFO that an open of `mode` waits on, without blocking, and closes it. */
function releaseWaitingOpen(path: string, mode: keyof typeof openFlags): void {
  const otherEnd = (mode === "input" ? constants.O_WRONLY : constants.O_RDONLY) | constants.O_NONBLOCK;
  open(path, otherEnd).then(
    (handle) => handle.close(),
    () => {}, // not a FIFO, or gone: nothing waits on it
  );
}

function failWithReadableMessage(error: unknown): never {
  throw new Error(describeSystemError(error));
}

function describeSystemError(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  if (code === "ERR_INVALID_ARG_VALUE" && message.includes("null bytes")) return "the name contains a NUL byte";
  if (code === "ENOENT") return "no such file or directory";
  if (code === "EACCES") return "permission denied";
  if (code === "EISDIR") return "is a directory";
  if (code === "EPIPE" || code === "ERR_STREAM_DESTROYED") return "broken pipe";
  if (code === "ENOSPC") return "no space left on device";
  if (code === "E2BIG") return "its arguments and environment are longer than the system allows (E2BIG)";
  return message;
}

function stdioOf(input: InputSource, output: OutputSink, error: OutputSink): StdioOptions {
  const sink = (s: OutputSink): number | "pipe" => (s.kind === "inherit" ? s.fd : s.kind === "file" ? s.handle : "pipe");
  const source = input.kind === "inherit" ? 0 : input.kind === "file" ? input.handle : "pipe";
  return [source, sink(output), sink(error)];
}

async function runProcess(
  request: ProcessRequest,
  signal: AbortSignal,
  init: ProcessHostInit,
  guardian: Guardian | undefined,
): Promise<ProcessOutcome> {
  if (signal.aborted) return { kind: "cancelled", pid: undefined, killSignal: undefined };
  const { input, output, error } = request.stdio;
  let child: ChildProcess;
  try {
    child = spawn(request.argv[0]!, request.argv.slice(1), {
      cwd: request.cwd,
      env: request.environment,
      stdio: stdioOf(input, output, error),
      detached: true,
    });
  } catch (spawnError) {
    return { kind: "not-started", reason: await spawnFailure(spawnError, request.cwd) };
  }
  if (child.pid !== undefined) guardian?.watch(child.pid);
  return new Promise<ProcessOutcome>((resolve) => {
    let stopping: Promise<"SIGTERM" | "SIGKILL" | "unkillable" | undefined> | undefined;
    let cause: "cancelled" | "output-limit" | undefined;
    const stop = (why: "cancelled" | "output-limit"): void => {
      if (stopping || child.pid === undefined) return;
      cause = why;
      stopping = terminateGroup(child.pid, init.killGraceMs, init.time, init.hurry);
    };
    const onAbort = (): void => stop("cancelled");
    signal.addEventListener("abort", onAbort, { once: true });
    const capture = (stream: NodeJS.ReadableStream | null, sink: OutputSink): void => {
      if (!stream || sink.kind !== "capture") return;
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        if (!sink.buffer.append(chunk)) stop("output-limit");
      });
    };
    capture(child.stdout, output);
    capture(child.stderr, error);
    if (input.kind === "text" && child.stdin) {
      child.stdin.on("error", () => {}); // the program may exit without reading its input
      child.stdin.end(input.text);
    }
    child.once("error", async (spawnError) => {
      if (child.pid !== undefined) return;
      signal.removeEventListener("abort", onAbort);
      resolve({ kind: "not-started", reason: await spawnFailure(spawnError, request.cwd) });
    });
    child.once("close", async (exitCode, exitSignal) => {
      if (child.pid === undefined) return; // it never started: the 'error' handler answers
      signal.removeEventListener("abort", onAbort);
      const pid = child.pid!;
      const killed = stopping ? await stopping : undefined;
      guardian?.forget(pid);
      const killSignal = killed === "unkillable" ? "SIGKILL" : killed;
      if (cause === "cancelled") resolve({ kind: "cancelled", pid, killSignal });
      else if (cause === "output-limit") resolve({ kind: "output-limit", pid, bytesMax: outputLimitOf(output, error) });
      else if (exitSignal) resolve({ kind: "signalled", pid, signal: exitSignal });
      else resolve({ kind: "exited", pid, exitCode: exitCode ?? 1 });
    });
  });
}

/**
 * Why a program could not start. ENOENT also means a working directory that was removed after
 * 'cd' ("ls could not be started: no such file or directory" blamed ls).
 */
async function spawnFailure(error: unknown, cwd: string): Promise<string> {
  if ((error as NodeJS.ErrnoException).code === "ENOENT" && !(await testFile("isdir", cwd).catch(() => false))) {
    return `its working directory ${cwd} does not exist`;
  }
  return describeSystemError(error);
}

function outputLimitOf(output: OutputSink, error: OutputSink): number {
  if (output.kind === "capture") return output.buffer.bytesMax;
  return error.kind === "capture" ? error.buffer.bytesMax : 0;
}

async function testFile(test: FileTest, path: string): Promise<boolean> {
  const modes: Partial<Record<FileTest, number>> = {
    exists: constants.F_OK,
    isr: constants.R_OK,
    isw: constants.W_OK,
    isx: constants.X_OK,
  };
  try {
    const mode = modes[test];
    if (mode !== undefined) {
      await access(path, mode);
      return true;
    }
    if (test === "islink") return (await lstat(path)).isSymbolicLink();
    const info = await stat(path);
    const checks: Record<string, () => boolean> = {
      isblock: () => info.isBlockDevice(),
      ischar: () => info.isCharacterDevice(),
      isdir: () => info.isDirectory(),
      isfile: () => info.isFile(),
      ispipe: () => info.isFIFO(),
      issock: () => info.isSocket(),
    };
    return checks[test]!();
  } catch (error) {
    if (missingFileCodes.has((error as NodeJS.ErrnoException).code ?? "")) return false;
    throw new Error(describeSystemError(error));
  }
}
