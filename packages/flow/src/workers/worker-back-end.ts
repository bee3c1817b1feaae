// skein-io-adapter: the master's TCP listener for workers that call home.
/**
 * `-T workers`: listens for workers, runs the handshake with each (both sides prove the
 * password, see `frames.ts`), and presents every
 * accepted worker to the scheduler as an executor with the cores, memory and disk it declared.
 * A worker whose connection drops, or that sends nothing for the worker timeout (heartbeats
 * both ways, see `silence-detector.ts`), leaves; the scheduler reruns its tasks elsewhere.
 * At the end every worker gets a goodbye: a `bye` when the run is over, so it exits (naming why
 * the run failed, if it did, so the worker can say so); a `bye` naming why when the run was stopped (a signal, `--json`'s reader gone, a log that
 * cannot be written: `RunEnd`), so it keeps reconnecting for the master that resumes the run.
 */
import type { Socket } from "node:net";
import { createListener, peerAddress } from "@skein/net/wire";
import type { RunEnd } from "../executors/executor.ts";
import { absolutePath } from "../paths.ts";
import { type BackEnd, BackEndError } from "../run/execute.ts";
import type { ExecutorInfo } from "../schedule/types.ts";
import { FileCatalog } from "./file-catalog.ts";
import { closeGracefully } from "./graceful-close.ts";
import { droppedFrame, FlowWire, type Frame, goodbyeFrame, masterNodeId, refuseFrame } from "./frames.ts";
import { OutputStaging } from "./output-staging.ts";
import { readPassword } from "./password.ts";
import { heartbeatMsDefault, SilenceDetector, workerTimeoutMsDefault } from "./silence-detector.ts";
import { inputsOverDisk } from "./task-limits.ts";
import { WorkerConnection } from "./worker-connection.ts";

/** A worker must finish the handshake within this time after connecting. */
export const helloTimeoutMs = 10_000;
/** Workers connected at once; more are refused. */
export const workersMax = 1_000;
/**
 * Pipeline window: cores' worth of tasks sent to a worker beyond its free cores, per core it
 * offers, capped. They wait on the worker, so it starts the next task without a round trip,
 * and the worker reports ends in batches while half the window still waits: 8 per core
 * measured about 180 µs less CPU per trivial task over master and workers than 2 per core.
 * The scheduler times a queued task's fast-abort deadline from when the tasks ahead of it
 * leave it a core, not from its dispatch, so waiting in the window is never judged slow. A
 * worker left idle takes tasks still queued in another's window (the scheduler's work
 * stealing), so a deep window does not hold work back from a worker that joins late.
 */
export const pipelineCoresPerCore = 8;
export const pipelineCoresMax = 64;

const positive = (value: unknown, fallback: number) => (typeof value === "number" && Number.isFinite(value) && value > 0 ? value : fallback);

export const workersBackEnd: BackEnd = async ({ loaded, init, listener, output, clock }) => {
  const password = init.password ?? readPassword(init.passwordFile);
  const catalog = new FileCatalog();
  // shared: a task's attempts run on different workers, and each starts from empty staging paths
  const staging = new OutputStaging();
  // what a killed earlier run (kill -9: no clean-up) left beside the targets (a harness may load no plan)
  OutputStaging.removeStale((loaded.plan?.workflow.rules ?? []).flatMap((rule) => rule.targets.map((target) => `${absolutePath(loaded.directory, target.path)}.skein-part`)));
  const sockets = new Set<Socket>();
  let nextWorker = 1;
  const heartbeatMs = init.heartbeatMs ?? heartbeatMsDefault;
  const workerTimeoutMs = init.workerTimeoutMs ?? workerTimeoutMsDefault;
  const silence = new SilenceDetector<string>({ intervalMs: heartbeatMs, timeoutMs: workerTimeoutMs });
  /** Welcomed workers: id → connection and how to make it leave. */
  const welcomed = new Map<string, { connection: WorkerConnection; leave: (reason: string) => void }>();
  /** The goodbye: naming why when the run was stopped, or why it failed; plain when it succeeded. */
  const goodbye = (end?: RunEnd) => goodbyeFrame(end);

  /**
   * A worker that proved the password: its executor, and how the connection goes on. The
   * scheduler takes it on (`joined`) at its first frame, which names the cache entries it holds
   * (`frames.ts`), so that no input it has is sent again.
   */
  const admit = (socket: Socket, info: ExecutorInfo, joined: () => void): { connection: WorkerConnection; frame: (frame: Frame) => void } => {
    const { id } = info;
    const connection = new WorkerConnection(info, socket, catalog, staging, loaded.directory, listener, goodbye, (reason) => {
      output.err(`skein flow: ${id} dropped: ${reason}\n`);
      leave(reason);
    });
    let gone = false;
    let taken = false;
    const leave = (reason: string) => {
      if (gone) return;
      gone = true;
      connection.disconnected = true;
      welcomed.delete(id);
      silence.forget(id);
      // the worker hears why, if it still reads (a stopped one does once continued): the connection
      // is ended after the frame, and what the worker still sends is drained (graceful-close.ts)
      if (reason !== "connection closed") closeGracefully(socket, clock, droppedFrame(reason));
      else socket.destroy();
      // after the batch of this read (the scheduler may have just started a task on it, as it joined)
      if (taken) queueMicrotask(() => listener.left(id, reason));
      else if (reason !== "connection closed") output.err(`skein flow: refused a worker from ${peerAddress(socket)}: ${reason}\n`);
    };
    welcomed.set(id, { connection, leave });
    silence.watch(id, clock.nowMs());
    socket.on("close", () => leave("connection closed"));
    const frame = (frame: Frame) => {
      if (gone) return;
      if (!taken && frame.header.type !== "cached") return leave(`protocol error: '${frame.header.type}' before the cache listing`);
      const problem = connection.frame(frame);
      if (problem) return leave(`protocol error: ${problem}`);
      if (taken) return;
      taken = true;
      joined();
      listener.joined(connection);
    };
    return { connection, frame };
  };

  /**
   * Why a worker's --disk cannot hold a rule's inputs at once, asked by the scheduler before it
   * places the task there, so a task is never reported running on a worker that refuses it: the
   * sum of the input files' sizes (a stat each, once per file for the run: `FileCatalog.sizeOf`) first, and only past the disk the bytes its cache
   * would take (equal contents once), as the connection checks again when it sends the task. An
   * input that cannot be listed is left for the connection to report.
   */
  const rules = loaded.plan?.workflow.rules ?? [];
  const overDisk = (rule: number, diskMb: number, id: string): { reason: string; bytes: number } | undefined => {
    const sources = rules[rule]?.sources ?? [];
    try {
      let bytes = 0;
      for (const source of sources) bytes += catalog.sizeOf(absolutePath(loaded.directory, source.path));
      if (bytes <= diskMb * 1_000_000) return undefined;
      return inputsOverDisk(sources.flatMap((source) => catalog.entries(absolutePath(loaded.directory, source.path), source.remoteName)), diskMb, id);
    } catch {
      return undefined;
    }
  };

  /** Connections still in the handshake. */
  let handshaking = 0;
  const accept = (socket: Socket) => {
    if (sockets.size >= workersMax) return void socket.destroy();
    sockets.add(socket);
    handshaking++;
    let counted = true;
    const handshakeOver = () => {
      if (counted) handshaking--;
      counted = false;
    };
    const timer = clock.setTimer(helloTimeoutMs, () => socket.destroy());
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    socket.on("close", () => {
      sockets.delete(socket);
      handshakeOver();
      timer.cancel();
    });
    socket.on("error", () => socket.destroy());
    const from = peerAddress(socket);
    let info: ExecutorInfo | undefined;
    let worker: ReturnType<typeof admit> | undefined;
    const welcome = () => {
      const declared = wire.handshake.peerInfo;
      const capacity = { cores: positive(declared.cores, 1), memoryMb: positive(declared.memoryMb, 1_000_000), diskMb: positive(declared.diskMb, 1_000_000), gpus: 0 };
      const pipelineCores = Math.min(capacity.cores * pipelineCoresPerCore, pipelineCoresMax);
      const id = `worker-${nextWorker++}`;
      info = { id, capacity, runsLocalRules: false, runsRemoteRules: true, fastAbort: true, pipelineCores, inputsOverDisk: (rule) => overDisk(rule, capacity.diskMb, id) };
      return { welcome: { heartbeatMs, workerTimeoutMs, pipelineCores } };
    };
    const opened = () => {
      handshakeOver();
      // the hello timer runs on until the worker's cache listing, which takes it on
      worker = admit(socket, info!, () => timer.cancel());
    };
    const refused = (reason: string, byPeer: boolean) => {
      output.err(byPeer ? `skein flow: a worker from ${from} refused this master: ${reason}\n` : `skein flow: refused a worker from ${from}: ${reason}\n`);
      if (byPeer) socket.destroy();
      else socket.end(); // after the Refuse, which tells the worker why
    };
    const wire = new FlowWire(socket, { role: "acceptor", self: masterNodeId, password, admit: welcome }, { opened, refused, frame: (frame) => worker?.frame(frame) });
    const received = (chunk: Buffer) => {
      try {
        wire.push(chunk);
      } catch (error) {
        const reason = `protocol error: ${(error as Error).message}`;
        if (info && welcomed.has(info.id)) welcomed.get(info.id)!.leave(reason);
        else if (wire.isOpen || socket.writableEnded) socket.destroy();
        else {
          output.err(`skein flow: refused a connection from ${from}: ${reason}\n`);
          socket.end(refuseFrame(reason));
        }
      }
    };
    socket.on("data", (chunk: Buffer) => {
      if (!worker) return received(chunk);
      silence.heard(info!.id, clock.nowMs());
      // The results in one read are acted on together: one scheduler pass, one log write.
      if (listener.batch) listener.batch(() => received(chunk));
      else received(chunk);
    });
  };
  const refusedEarly = (remote: string, reason: string) => output.err(`skein flow: refused a connection from ${remote}: ${reason}\n`);
  const server = createListener({ tls: init.tls, handshakeTimeoutMs: helloTimeoutMs, handshakesPendingMax: workersMax }, { accept, handshakesPending: () => handshaking, refused: refusedEarly });
  const listenPort = init.port ?? 9123;
  const cannotListen = (error: NodeJS.ErrnoException) => new BackEndError(`cannot listen for workers on port ${listenPort}: ${listenProblem(error)}`);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => reject(cannotListen(error)));
    try {
      server.listen(listenPort, () => resolve());
    } catch (error) {
      reject(cannotListen(error as NodeJS.ErrnoException)); // a port out of range throws at once
    }
  });
  // One timer for every connection: judge who went silent, then send each a heartbeat. It runs
  // until the server has closed, so a silent worker cannot hold up the end of the run.
  let closing = false;
  const heartbeat = clock.setPeriodic(heartbeatMs, () => {
    for (const { peer, silentMs } of silence.tick(clock.nowMs())) {
      const reason = `silent for ${Math.round(silentMs)} ms (worker timeout ${workerTimeoutMs} ms)`;
      output.err(`skein flow: ${peer} lost: ${reason}\n`);
      welcomed.get(peer)?.leave(reason);
    }
    if (!closing) for (const { connection } of welcomed.values()) connection.heartbeat();
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  init.onListening?.(port);
  // as Work Queue's master, it listens on every interface; without a password that is open to anyone
  if (password === undefined) output.err(`skein flow: no --password-file: any host that reaches port ${port} can join as a worker, receive the workflow's input files and send back outputs\n`);
  return {
    async close(end?: RunEnd) {
      closing = true;
      for (const socket of sockets) if (!socket.writableEnded) socket.end(goodbye(end));
      // late results are dropped from now on; partial outputs of unfinished tasks are removed
      for (const problem of await staging.close()) output.err(`skein flow: cannot remove a partial output from a worker: ${problem}\n`);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      heartbeat.cancel();
    },
  };
};

function listenProblem(error: NodeJS.ErrnoException): string {
  if (error.code === "EADDRINUSE") return "another process uses it (EADDRINUSE); choose another with -p, or -p 0 for any free port";
  if (error.code === "EACCES") return "permission denied (EACCES): ports below 1024 need privileges";
  if (error.code === "ERR_SOCKET_BAD_PORT") return "not a port (ports are 0 to 65535; 0 picks a free one)";
  return error.message;
}
