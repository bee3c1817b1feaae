// skein-io-adapter: the master's TCP listener for workers that call home.
/**
 * `-T workers`: listens for workers, checks each one's password proof, and presents every
 * accepted worker to the scheduler as an executor with the cores, memory and disk it declared.
 * A worker whose connection drops, or that sends nothing for the worker timeout (heartbeats
 * both ways, see `silence-detector.ts`), leaves; the scheduler reruns its tasks elsewhere.
 */
import { randomBytes } from "node:crypto";
import { readPassword } from "./password.ts";
import { createServer, type Socket } from "node:net";
import type { BackEnd } from "../run/execute.ts";
import { proofIsValid } from "./auth.ts";
import { heartbeatMsDefault, SilenceDetector, workerTimeoutMsDefault } from "./silence-detector.ts";
import { FileCatalog } from "./file-catalog.ts";
import { encodeFrame, FrameDecoder, frameBytesMax, helloFrameBytesMax } from "./frames.ts";
import { WorkerConnection } from "./worker-connection.ts";

/** A worker must say hello within this time after connecting. */
export const helloTimeoutMs = 10_000;
/** Workers connected at once; more are refused. */
export const workersMax = 1_000;
/**
 * Pipeline window: cores' worth of tasks sent to a worker beyond its free cores, per core it
 * offers, capped. They wait on the worker, so it starts the next task without a round trip,
 * and the worker reports ends in batches while half the window still waits: 8 per core
 * measured about 180 µs less CPU per trivial task over master and workers than 2 per core.
 * The scheduler times a queued task's fast-abort deadline from when the tasks ahead of it
 * leave it a core, not from its dispatch, so waiting in the window is never judged slow. The
 * cost of depth: at the end of a run one worker may still hold a window of queued work while
 * another idles.
 */
export const pipelineCoresPerCore = 8;
export const pipelineCoresMax = 64;

const positive = (value: unknown, fallback: number) => (typeof value === "number" && Number.isFinite(value) && value > 0 ? value : fallback);

export const workersBackEnd: BackEnd = async ({ loaded, init, listener, output, clock }) => {
  const password = readPassword(init.passwordFile);
  const catalog = new FileCatalog();
  const sockets = new Set<Socket>();
  let nextWorker = 1;
  const heartbeatMs = init.heartbeatMs ?? heartbeatMsDefault;
  const workerTimeoutMs = init.workerTimeoutMs ?? workerTimeoutMsDefault;
  const silence = new SilenceDetector<string>({ intervalMs: heartbeatMs, timeoutMs: workerTimeoutMs });
  /** Welcomed workers: id → connection and how to make it leave. */
  const welcomed = new Map<string, { connection: WorkerConnection; leave: (reason: string) => void }>();

  const welcome = (socket: Socket, nonce: string, hello: Record<string, unknown>, decoder: FrameDecoder) => {
    if (!proofIsValid(password, nonce, hello.proof)) {
      output.err(`skein flow: refused a worker from ${socket.remoteAddress}: wrong password\n`);
      socket.end(encodeFrame({ type: "refused", reason: "wrong password" }));
      return;
    }
    decoder.bytesMax = frameBytesMax;
    const id = `worker-${nextWorker++}`;
    const capacity = { cores: positive(hello.cores, 1), memoryMb: positive(hello.memoryMb, 1_000_000), diskMb: positive(hello.diskMb, 1_000_000), gpus: 0 };
    const pipelineCores = Math.min(capacity.cores * pipelineCoresPerCore, pipelineCoresMax);
    socket.write(encodeFrame({ type: "welcome", heartbeatMs, workerTimeoutMs, pipelineCores }));
    const info = { id, capacity, runsLocalRules: false, runsRemoteRules: true, fastAbort: true, pipelineCores };
    const connection = new WorkerConnection(info, socket, catalog, loaded.directory, listener);
    let gone = false;
    const leave = (reason: string) => {
      if (gone) return;
      gone = true;
      connection.disconnected = true;
      welcomed.delete(id);
      silence.forget(id);
      socket.destroy();
      listener.left(id, reason);
    };
    welcomed.set(id, { connection, leave });
    silence.watch(id, clock.nowMs());
    socket.removeAllListeners("data");
    const received = (chunk: Buffer) => {
      try {
        for (const frame of decoder.push(chunk)) {
          const problem = connection.frame(frame);
          if (problem) return leave(`protocol error: ${problem}`);
        }
      } catch (error) {
        leave(`protocol error: ${(error as Error).message}`);
      }
    };
    socket.on("data", (chunk: Buffer) => {
      silence.heard(id, clock.nowMs());
      // The results in one read are acted on together: one scheduler pass, one log write.
      if (listener.batch) listener.batch(() => received(chunk));
      else received(chunk);
    });
    socket.on("close", () => leave("connection closed"));
    listener.joined(connection);
  };

  const server = createServer((socket) => {
    if (sockets.size >= workersMax) return void socket.destroy();
    sockets.add(socket);
    const timer = clock.setTimer(helloTimeoutMs, () => socket.destroy());
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    socket.on("close", () => {
      sockets.delete(socket);
      timer.cancel();
    });
    socket.on("error", () => socket.destroy());
    const nonce = randomBytes(32).toString("hex");
    const decoder = new FrameDecoder(helloFrameBytesMax);
    socket.write(encodeFrame({ type: "challenge", nonce }));
    socket.on("data", (chunk: Buffer) => {
      try {
        const [hello] = decoder.push(chunk);
        if (!hello) return;
        timer.cancel();
        if (hello.header.type !== "hello") return void socket.destroy();
        welcome(socket, nonce, hello.header, decoder);
      } catch {
        socket.destroy();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(init.port ?? 9123, () => resolve());
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
  return {
    async close() {
      closing = true;
      for (const socket of sockets) if (!socket.writableEnded) socket.end(encodeFrame({ type: "bye" }));
      await new Promise<void>((resolve) => server.close(() => resolve()));
      heartbeat.cancel();
    },
  };
};
