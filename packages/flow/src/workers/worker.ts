// skein-io-adapter: the worker process — TCP to the master, a file cache, sandboxes, processes.
/**
 * `skein worker host:port`: connects to a master, checks that it knows the password and proves
 * the password in turn (see `frames.ts`), then runs tasks. Each input arrives once per worker
 * (checked against its hash as it arrives) and is kept in `cache/<sha256>.<mode>`, bounded by
 * `--disk` and kept across connections (a hard link shares its mode, so each mode of the same
 * bytes has its own entry, see `file-modes.ts`); each task runs in its own empty sandbox
 * (`sandbox-pool.ts`) where its inputs are hard links to the cache, checked when it ends: an
 * entry a task changed in place is dropped, and a task that may have seen another task's change
 * is sent back to the master to run again (see `input-cache.ts`); declared outputs are sent
 * back (small ones inside the result frame, see `worker-outputs.ts`). Names that would leave
 * the sandbox are refused. Commands start through the ProcessLauncher (one small forking
 * process, not a Node child per task); the master may send more tasks than the worker has
 * cores (its pipeline window): each waits in the launcher, in order, until cores free up, and
 * a task sent behind input bytes says when its command starts (a `running` frame). The
 * launcher reports ends in batches, and the results of one batch leave in one write. Both
 * sides send heartbeats; a master silent for its worker timeout is taken as gone. A task's
 * stdout and stderr go to a file beside its sandbox; a failing task's result carries the end.
 */
import type { Socket } from "node:net";
import { rmSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import type { Timer } from "@skein/core";
import { outputTail } from "../executors/command-output.ts";
import { ProcessLauncher } from "../executors/process-launcher.ts";
import { makeDirectories } from "@skein/net/fs";
import { dialSocket } from "@skein/net/wire";
import { watchCaptures } from "./capture-watch.ts";
import { cachedFileName, isFileMode } from "./file-modes.ts";
import { encodeFrame, FlowWire, type Frame, goodbyeReason, workerNodeId } from "./frames.ts";
import { hashPattern, InputCache, type Rejection, type TaskInput } from "./input-cache.ts";
import type { TaskHeader, WorkerComponents, WorkerEnd, WorkerHandle, WorkerInit } from "./worker-interface.ts";
import { SandboxMeter } from "./sandbox-meter.ts";
import { SandboxPool } from "./sandbox-pool.ts";
import { sandboxPathProblem } from "./sandbox-paths.ts";
import { heartbeatMsDefault, heartbeatProblem, SilenceDetector, workerTimeoutMsDefault } from "./silence-detector.ts";
import { FrameQueue } from "./frame-queue.ts";
import { listOutputsInTurns, type OutputListing } from "./output-listing.ts";
import { ResultOrder, resultsWaitingMax } from "./result-order.ts";
import { outputParents } from "./output-parents.ts";
import { resultFrame } from "./result-bounds.ts";
import { type PackedOutputs, packOutputs, streamOutputs } from "./worker-outputs.ts";

export type { WorkerComponents, WorkerEnd, WorkerHandle, WorkerInit } from "./worker-interface.ts";

export function startWorker(init: WorkerInit, components: WorkerComponents): WorkerHandle {
  const { clock } = components;
  // absolute: the launcher enters each sandbox, and opens the task's output file, from elsewhere
  const workDirectory = resolve(init.workDirectory);
  const cache = components.cache ?? new InputCache(join(workDirectory, "cache"), cacheBytesMax(init.diskMb));
  cache.abandonTransfers(); // what a connection before this one cut short
  const sandboxes = join(workDirectory, "sandbox");
  const outputs = join(workDirectory, "output");
  makeDirectories(outputs);
  makeDirectories(sandboxes);
  const cores = init.cores ?? 1;
  const running = new Map<number, TaskHeader>();
  let resolveEnd!: (end: WorkerEnd) => void;
  const end = new Promise<WorkerEnd>((resolve) => {
    resolveEnd = resolve;
  });
  let reason = `the connection to the master at ${init.host}:${init.port} closed, with no word from it`; // unless something says more
  let kind: WorkerEnd["kind"] = "lost";
  let told = false; // the master said why it dropped this worker: a reset that follows says nothing new
  let welcomed = false;
  const socket: Socket = dialSocket({ host: init.host, port: init.port }, init.tls).socket;
  socket.setNoDelay(true);
  let silence: SilenceDetector<"master"> | undefined;
  let heartbeat: Timer | undefined;
  // outputs of any size leave as the connection drains, results after their outputs
  const queue = new FrameQueue(socket);
  const send = (header: object, payload?: Buffer) => queue.frame(encodeFrame(header, payload));
  // every list and name in a result is bounded, so the master never gets a frame it must refuse
  const sendResult = (header: Record<string, unknown> & { type: "result" }, payload?: Buffer) => queue.frame(resultFrame(header, payload));
  const sandboxPool = new SandboxPool(sandboxes, outputs);
  const sandboxOf = new Map<number, string>();
  // what running tasks write in their sandboxes counts against --disk, as their captures do;
  // a finished task's, until its sandbox is emptied (its outputs may still be leaving)
  const meter = new SandboxMeter((ino) => cache.isEntryInode(ino));
  const leaving = new Map<string, number>();
  // tasks whose outputs are leaving (streamed as the connection drains): an abort stops them
  const streaming = new Map<number, { aborted: boolean }>();
  const results = new ResultOrder();
  // a task's holds on cache entries, by a key of this process's: task numbers start again with
  // each master, and the cache outlives this connection (a killed task is released later)
  const holdOf = new Map<number, number>();
  // Made at the welcome, which names the master's pipeline window (tasks it queues here).
  let launcher: ProcessLauncher | undefined;
  const makeLauncher = (pipelineCores: unknown): ProcessLauncher => {
    const windowCores = typeof pipelineCores === "number" && Number.isSafeInteger(pipelineCores) && pipelineCores > 0 ? pipelineCores : cores;
    launcher = new ProcessLauncher({
      directory: sandboxes,
      stdout: "inherit",
      coresMax: cores,
      // Ends come in batches while more than half the window waits, so cores never run dry.
      holdReports: Math.max(1, Math.floor(windowCores / 2)),
      // nothing a task started outlives it: its sandbox is reused, its inputs are the cache's
      killGroupAtExit: true,
      exited: (id, exit) => finished(id, exit.code, exit.signal, exit.lost, exit.durationMs),
      // The batch's results leave at once; only then are its sandboxes emptied.
      batch: (report) => {
        sandboxPool.reporting = true;
        try {
          report();
        } finally {
          sandboxPool.reporting = false;
        }
        queue.flush();
        sandboxPool.recycleUsed();
      },
    });
    return launcher;
  };
  // captured output counts against --disk: the task printing most fails when it would pass it
  const captureWatch = watchCaptures({
    clock,
    cache,
    keptBytes: () => {
      let bytes = sandboxPool.keptCaptureBytes;
      for (const written of leaving.values()) bytes += written;
      return bytes;
    },
    captures: () => [...sandboxOf].map(([task, sandbox]) => [task, sandboxPool.captureOf(sandbox)] as const),
    sandboxes: meter,
    overDisk: (id, why, again) => {
      const capture = sandboxPool.captureOf(sandboxOf.get(id)!);
      const output = outputTail(capture);
      init.log?.(`task ${id}: ${why}`);
      abort(id);
      rmSync(capture, { force: true }); // now: its dying processes write to no name, and the next check does not count it
      sendResult({ type: "result", task: id, exitCode: null, signal: null, missing: [], lost: why, output, ...(again ? { again: true } : {}) });
    },
  });
  const killAll = () => {
    // the killed tasks' inputs are checked once their processes are gone (the cache outlives this connection)
    const holds = [...holdOf.values()];
    holdOf.clear();
    const release = () => {
      for (const hold of holds) cache.release(hold);
    };
    (launcher?.close() ?? Promise.resolve()).then(release, release);
    running.clear();
    meter.clear();
    leaving.clear();
    streaming.clear();
  };

  const onFrame = (frame: Frame) => {
    const header = frame.header as Record<string, unknown> & { type: string };
    if (header.type === "bye") {
      // `stopped`: why the master stopped before its workflow was done (its rerun wants us back);
      // `failed`: why its workflow, which is over, failed
      const stopped = goodbyeReason(header.stopped);
      const failed = goodbyeReason(header.failed);
      if (stopped !== undefined) reason = `the master stopped (${stopped})`;
      else reason = failed === undefined ? "the master finished" : `the master finished: the workflow failed (${failed})`;
      kind = stopped === undefined ? "finished" : "stopped";
      heartbeat?.cancel();
      socket.end();
    } else if (header.type === "dropped") {
      // the master gives up on this worker (it found it silent) and closes the connection: the supervisor reconnects
      reason = `the master dropped this worker: ${goodbyeReason(header.reason) ?? "it gave no reason"}`;
      told = true;
    } else if (header.type === "file") receiveFile(String(header.hash), header.mode, header.last === true, frame.payload);
    else if (header.type === "task") accept(header as unknown as TaskHeader);
    else if (header.type === "abort") abort(Number(header.task));
    // a "heartbeat" needs nothing more: its bytes already counted as life
  };

  /** Heartbeats at the master's period; a master silent for its timeout is gone. */
  const startHeartbeats = (heartbeatValue: unknown, timeoutValue: unknown) => {
    const given = typeof heartbeatValue === "number" && typeof timeoutValue === "number" && !heartbeatProblem(heartbeatValue, timeoutValue);
    const intervalMs = given ? heartbeatValue : heartbeatMsDefault;
    const timeoutMs = given ? timeoutValue : workerTimeoutMsDefault;
    silence = new SilenceDetector({ intervalMs, timeoutMs });
    silence.watch("master", clock.nowMs());
    heartbeat = clock.setPeriodic(intervalMs, () => {
      const [lost] = silence!.tick(clock.nowMs());
      if (!lost) return send({ type: "heartbeat" });
      reason = `the master went silent for ${Math.round(lost.silentMs)} ms (timeout ${timeoutMs} ms)`;
      socket.destroy();
    });
  };

  const receiveFile = (hash: string, mode: unknown, last: boolean, payload: Buffer) => {
    if (!hashPattern.test(hash)) throw new Error("bad file hash");
    if (!isFileMode(mode)) throw new Error("bad file mode");
    cache.receive(hash, mode, last, payload);
  };

  const accept = (task: TaskHeader) => {
    // a master of ours holds far fewer here (its pipeline window): a bound on what one that does not can make this worker hold
    if (!results.hasRoom(running.size + 1)) return void sendResult({ type: "result", task: task.task, refused: `this worker holds ${running.size} tasks and ${results.length} results not yet sent, its most (${resultsWaitingMax})` });
    const names = [...task.inputs.map((i) => i.name), ...task.outputs];
    const bad = names.map((name) => [name, sandboxPathProblem(String(name))] as const).find(([, problem]) => problem);
    const badFile = task.inputs.find((i) => i.hash !== undefined && (!hashPattern.test(i.hash) || !isFileMode(i.mode)));
    if (bad || badFile) {
      const refused = bad ? `'${bad[0]}' would escape the sandbox (${bad[1]})` : hashPattern.test(badFile!.hash!) ? `bad mode for input '${badFile!.name}'` : "bad input hash";
      sendResult({ type: "result", task: task.task, refused });
      return;
    }
    // dropped since the master sent them (a task changed them), or refused on arrival (their bytes
    // did not have their hash): it sends them, and the task, again
    const missing = cache.missing(task.inputs);
    const refusal = missing.length > 0 ? inputRefusal(task.inputs, missing, cache) : undefined;
    // refused for good (larger than --disk, a full disk): the task fails here; the master sends the file
    // for a later task only if that may help (the disk may have room by then)
    // (`elsewhere`: another worker, with a larger --disk or room on its disk, may run it)
    if (refusal?.final) return void sendResult({ type: "result", task: task.task, exitCode: null, signal: null, missing: [], lost: refusal.reason, elsewhere: true, ...(refusal.resend ? { dropped: missing } : {}) });
    if (missing.length > 0) return void sendResult({ type: "result", task: task.task, rerun: refusal?.reason ?? "inputs missing", dropped: missing });
    run(task);
  };

  const run = (task: TaskHeader) => {
    let sandbox: string | undefined;
    let copiedBytes = 0;
    const hold = ++holdsMade;
    try {
      sandbox = sandboxPool.fresh();
      copiedBytes = cache.place(hold, task.inputs, sandbox);
      for (const parent of outputParents(task.outputs)) makeDirectories(join(sandbox, parent)); // as they are in the master's directory
    } catch (error) {
      // a full disk, inputs `a` and `a/b`: this task fails here, and the worker goes on
      cache.release(hold);
      if (sandbox) retire(sandbox);
      return void sendResult({ type: "result", task: task.task, exitCode: null, signal: null, missing: [], lost: `cannot prepare its sandbox (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` });
    }
    sandboxOf.set(task.task, sandbox);
    meter.start(task.task, sandbox, copiedBytes);
    holdOf.set(task.task, hold);
    running.set(task.task, task);
    (launcher ?? makeLauncher(undefined)).run({ id: task.task, command: task.command, environment: task.environment, directory: sandbox, output: sandboxPool.captureOf(sandbox), cores: task.cores });
    // its inputs are all here: its command starts now, or once the tasks ahead of it leave it cores (the master knows those)
    if (task.running === true) send({ type: "running", task: task.task });
  };

  const finished = (id: number, exitCode: number | null, signal: string | null, lost?: string, durationMs?: number) => {
    const task = running.get(id);
    if (!task) return;
    running.delete(id);
    const sandbox = sandboxOf.get(id)!;
    sandboxOf.delete(id);
    const written = meter.stop(id);
    if (written > 0) leaving.set(sandbox, written);
    const { dropped, doubtful, changed } = cache.release(holdOf.get(id)!);
    holdOf.delete(id);
    const inputs = `input${changed.length > 1 ? "s" : ""} ${changed.join(", ")}`;
    if (doubtful) init.log?.(`task ${id}: its ${inputs} changed in place while another task held ${changed.length > 1 ? "them" : "it"} too: dropped from the cache, and the task runs again`);
    else if (changed.length > 0) init.log?.(`task ${id} changed its ${inputs} in place: dropped from the cache`);
    const header = { type: "result" as const, task: id, exitCode, signal, ...(dropped.length > 0 ? { dropped } : {}), ...(lost ? { lost } : {}), ...(durationMs === undefined ? {} : { durationMs }) };
    // in the order tasks ended, after any whose outputs are still being listed; an abort meanwhile drops it
    results.add(id, (done) => {
      if (results.dropped(id)) {
        retire(sandbox);
        return done();
      }
      if (doubtful) sendResult({ type: "result", task: id, rerun: "an input changed while another task held it too", dropped });
      else if (exitCode !== 0) sendResult({ ...header, missing: [], output: outputTail(sandboxPool.captureOf(sandbox)) });
      else return listOutputsInTurns(sandbox, task.outputs, { turn: components.outputListingTurn, cancelled: () => results.dropped(id) }, (listed) => {
        if (listed !== undefined) sendOutputs(task, sandbox, header, listed);
        else retire(sandbox);
        done();
      });
      retire(sandbox);
      done();
    });
  };
  /** Sends a task's listed outputs and its result (`header`); its sandbox is retired once they have been read. */
  const sendOutputs = (task: TaskHeader, sandbox: string, header: Record<string, unknown> & { type: "result" }, listed: OutputListing | Error) => {
    const tail = () => outputTail(sandboxPool.captureOf(sandbox));
    // outputs that cannot be sent fail the task; `missing` names them all for a master of before `problems`
    const failed = (problems: string[]) => ({ ...header, missing: task.outputs, problems, output: tail() });
    let packed: PackedOutputs | undefined;
    try {
      if (listed instanceof Error) throw listed;
      packed = listed.problems.length === 0 ? packOutputs(listed) : undefined;
    } catch (error) {
      sendResult(failed([`cannot read its outputs (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`]));
      return void retire(sandbox);
    }
    const { missing, problems } = listed;
    if (problems.length > 0) sendResult(failed(problems));
    else if (packed) sendResult({ ...header, missing, output: missing.length > 0 ? tail() : undefined, inline: packed.entries }, packed.payload);
    else {
      // the sandbox stays until its files have been read, or the master aborts the task meanwhile
      const stream = { aborted: false };
      streaming.set(task.task, stream);
      return streamOutputs(listed, task.task, queue, () => stream.aborted, (unreadable) => {
        if (streaming.get(task.task) === stream) streaming.delete(task.task);
        retire(sandbox);
        if (stream.aborted) return undefined;
        return resultFrame(unreadable ? failed([unreadable]) : { ...header, missing, output: missing.length > 0 ? tail() : undefined });
      });
    }
    retire(sandbox);
  };
  /** A finished task's sandbox, emptied once its result has left. */
  const retire = (sandbox: string) => {
    leaving.delete(sandbox);
    sandboxPool.retire(sandbox);
  };

  const abort = (id: number) => {
    results.cancel(id); // ended, its result not yet sent (its outputs are being listed): it never is (the master drops it anyway)
    const stream = streaming.get(id);
    if (stream) stream.aborted = true; // its outputs are leaving: the rest of them, and its result, are not sent
    if (!running.delete(id)) return;
    launcher?.kill(id); // running or still waiting for cores in the launcher
    // Its process group may still be dying and writing there: never reused, removed off the loop;
    // its inputs are checked then (a change is dropped; the master hears when a task needs it).
    const hold = holdOf.get(id)!;
    const release = () => void cache.release(hold);
    sandboxPool.discard(sandboxOf.get(id)!).then(release, release).catch(() => {});
    sandboxOf.delete(id);
    meter.stop(id);
    holdOf.delete(id);
  };

  const opened = (welcome: Record<string, unknown>) => {
    init.log?.("connected to the master");
    welcomed = true;
    // first of all: what this worker holds from earlier connections, so the master sends only the rest
    send({ type: "cached", entries: cache.announced() });
    if (!launcher) makeLauncher(welcome.pipelineCores);
    startHeartbeats(welcome.heartbeatMs, welcome.workerTimeoutMs);
  };
  const refused = (why: string, byPeer: boolean) => {
    kind = "refused";
    reason = byPeer ? `the master refused this worker: ${why}` : `refused the master at ${init.host}:${init.port}: ${why}`;
    if (byPeer) socket.destroy();
    else socket.end(); // after the Refuse, which tells the master why
  };
  const info = { cores, memoryMb: init.memoryMb, diskMb: init.diskMb };
  const wire = new FlowWire(socket, { role: "connector", self: workerNodeId(hostname(), process.pid), password: init.password, info }, { opened, refused, frame: onFrame });
  socket.on("data", (chunk: Buffer) => {
    silence?.heard("master", clock.nowMs());
    try {
      wire.push(chunk);
    } catch (error) {
      reason = `protocol error: ${(error as Error).message}`;
      socket.destroy();
    }
  });
  socket.on("error", (error: NodeJS.ErrnoException) => {
    // once refused, finished or killed, the end is known: a reset that follows says nothing new
    if (kind !== "lost" || told) return;
    reason = error.message;
    // a certificate the other side will not accept stays so: trying again cannot help
    if (tlsRefusal.test(error.code ?? "")) {
      kind = "refused";
      reason = `TLS: ${error.message}`;
    }
  });
  socket.on("close", () => {
    queue.close();
    results.close();
    heartbeat?.cancel();
    captureWatch?.cancel();
    killAll();
    cache.abandonTransfers();
    resolveEnd({ kind, reason, welcomed });
  });
  return {
    closed: end.then((ended) => ended.reason),
    end,
    filesReceived: () => cache.filesReceived,
    unsentBytes: () => socket.writableLength,
    kill() {
      reason = "killed";
      kind = "killed";
      killAll();
      socket.destroy();
    },
  };
}

/** What the input cache may hold given `--disk` (MB): all of it (sandboxes hold links to it, not copies). */
export function cacheBytesMax(diskMb: number | undefined): number {
  return diskMb === undefined ? Number.POSITIVE_INFINITY : diskMb * 1_000_000;
}

/** Keys of tasks' holds on cache entries, unique in this process (see `holdOf`). */
let holdsMade = 0;

/** Why a task's inputs are missing, when the first of them refused on arrival says (named); else undefined: dropped. */
function inputRefusal(inputs: readonly TaskInput[], missing: readonly string[], cache: InputCache): Rejection | undefined {
  for (const name of missing) {
    const refused = cache.rejection(name);
    const input = inputs.find((i) => i.hash !== undefined && cachedFileName(i.hash, i.mode!) === name);
    if (refused && input) return { ...refused, reason: `input '${input.name.slice(0, 1000)}' was not cached: ${refused.reason}` };
  }
  return undefined;
}

/** Error codes of a TLS handshake that failed on certificates or protocol, not on the network. */
const tlsRefusal = /CERT|SELF_SIGNED|^ERR_SSL_|^ERR_TLS_/;
