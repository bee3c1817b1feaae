// skein-io-adapter: ftsh's own writes to its stdout and stderr, which must never block Node.
/**
 * What ftsh itself writes (echo, failure messages) to its standard output or error. Node writes
 * `process.stdout` synchronously when it is a pipe or a terminal: a reader that stopped reading
 * (`skein ftsh s.ftsh | sleep 1000`, a terminal paused with Ctrl-S) froze the whole shell once
 * the pipe was full, and with it every try's deadline and timer.
 *
 * So a pipe or terminal is reopened through /proc/self/fd/N: a new open file description of the
 * same pipe or terminal, which alone is made non-blocking (O_NONBLOCK on the inherited one would
 * be seen by every program ftsh starts, and many fail on EAGAIN). A write that does not fit is
 * retried after a wait on the host's clock; the writer waits meanwhile, asynchronously, and gives up when its signal
 * aborts (a try's deadline, a failing forall sibling, a stop signal). A regular file is written
 * directly. A socket (which cannot be reopened) goes through Node's own stream, as before: a
 * write to it never blocks the thread pool (a blocked pool write kept ftsh from ever exiting);
 * like any Node program, ftsh then cannot end while such a socket's reader does not read. At most
 * `ownOutputBytesMax` bytes wait at once; more writers wait for room.
 *
 * Each write resolves once its bytes are in the kernel, so what ftsh prints and what the
 * programs it starts print next appear in order.
 */
import { closeSync, constants, fstatSync, openSync, writeSync } from "node:fs";
import type { RetryEnvironment } from "../environment.ts";
import { ownOutputBytesMax } from "../language/limits.ts";

/** Retry delays while the reader does not read: from 1 ms, doubling up to this. */
const retryDelayMsMax = 50;

/** Node streams whose 'error' events are answered through write callbacks instead of crashing. */
const guardedStreams = new WeakSet<NodeJS.WritableStream>();

type Mode = "direct" | "nonblocking" | "stream";

interface Pending {
  bytes: Buffer;
  resolve(): void;
  reject(error: unknown): void;
  signal: AbortSignal | undefined;
  onAbort?: () => void;
}

export class OwnOutput {
  private mode: Mode | undefined;
  private targetFd: number;
  private readonly queue: Pending[] = [];
  private queuedBytes = 0;
  private pumping = false;
  private retryDelayMs = 1;
  /** The wait before the next try of a write the reader did not take (aborted by `discard`). */
  private retry: AbortController | undefined;
  /** Writers waiting for room in the queue. */
  private readonly roomWaiters = new Set<() => void>();

  constructor(
    private readonly fd: 1 | 2,
    /** The host's clock (`realEnvironment` from @skein/net): the retry waits sleep on it. */
    private readonly sleep: RetryEnvironment["sleep"],
    private readonly bytesMax = ownOutputBytesMax,
  ) {
    this.targetFd = fd;
  }

  /** Writes `text`; resolves once it is written, rejects on a write error or when `signal` aborts. */
  async write(text: string, signal?: AbortSignal): Promise<void> {
    const bytes = Buffer.from(text);
    if (bytes.length === 0) return;
    signal?.throwIfAborted();
    while (this.queue.length > 0 && this.queuedBytes + bytes.length > this.bytesMax) await this.waitForRoom(signal);
    return new Promise<void>((resolve, reject) => {
      const pending: Pending = { bytes, resolve, reject, signal };
      if (signal) {
        pending.onAbort = () => this.drop(pending, signal.reason);
        signal.addEventListener("abort", pending.onAbort, { once: true });
      }
      this.queue.push(pending);
      this.queuedBytes += bytes.length;
      this.pump();
    });
  }

  /** Gives up whatever still waits to be written (ftsh was stopped). */
  discard(reason: unknown): void {
    for (const pending of [...this.queue]) this.drop(pending, reason);
    this.retry?.abort();
    this.retry = undefined;
  }

  /** Resolves once everything queued is written; gives up (and discards it) when `signal` aborts. */
  async flush(signal?: AbortSignal): Promise<void> {
    while (this.queue.length > 0) {
      if (signal?.aborted) return this.discard(signal.reason);
      await this.waitForRoom(signal).catch(() => {});
    }
  }

  private waitForRoom(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.roomWaiters.delete(wake);
        reject(signal?.reason);
      };
      const wake = (): void => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      if (signal?.aborted) return reject(signal.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.roomWaiters.add(wake);
    });
  }

  private drop(pending: Pending, reason: unknown): void {
    const index = this.queue.indexOf(pending);
    // a head already in Node's stream stays there (the stream keeps the order of what follows);
    // it leaves the queue all the same, so that a flush does not wait for it
    if (index < 0) return pending.reject(reason);
    this.queue.splice(index, 1);
    this.settle(pending, reason);
  }

  private settle(pending: Pending, error?: unknown): void {
    this.queuedBytes -= pending.bytes.length;
    if (pending.onAbort) pending.signal?.removeEventListener("abort", pending.onAbort);
    if (error === undefined) pending.resolve();
    else pending.reject(error);
    for (const wake of [...this.roomWaiters]) wake();
    this.roomWaiters.clear();
  }

  /** Writes from the head of the queue until it is empty or the reader stops taking bytes. */
  private pump(): void {
    if (this.pumping || this.retry) return;
    this.mode ??= this.chooseMode();
    if (this.mode === "stream") return this.pumpThroughStream();
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      let written: number;
      try {
        written = writeSync(this.targetFd, head.bytes);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EAGAIN") return this.retryLater();
        this.queue.shift();
        this.settle(head, error);
        continue;
      }
      this.retryDelayMs = 1;
      if (written < head.bytes.length) {
        this.queuedBytes -= written;
        head.bytes = head.bytes.subarray(written);
        continue;
      }
      this.queue.shift();
      this.settle(head);
    }
  }

  private pumpThroughStream(): void {
    const head = this.queue[0];
    if (!head) return;
    const stream = this.fd === 1 ? process.stdout : process.stderr;
    if (!guardedStreams.has(stream)) {
      guardedStreams.add(stream);
      stream.on("error", () => {}); // each write reports its error through its callback
    }
    this.pumping = true;
    const done = (error?: Error | null): void => {
      this.pumping = false;
      if (this.queue[0] === head) {
        this.queue.shift();
        this.settle(head, error ?? (head.signal?.aborted ? head.signal.reason : undefined));
      }
      this.pump();
    };
    try {
      stream.write(head.bytes, done);
    } catch (error) {
      done(error as Error);
    }
  }

  private retryLater(): void {
    const retry = (this.retry = new AbortController());
    this.sleep(this.retryDelayMs, retry.signal).then(
      () => {
        if (this.retry !== retry) return;
        this.retry = undefined;
        this.pump();
      },
      () => {}, // discarded
    );
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, retryDelayMsMax);
  }

  /** How to write: a pipe or terminal through a non-blocking description of its own. */
  private chooseMode(): Mode {
    let kind: "file" | "pipe-or-terminal" | "other";
    try {
      const stat = fstatSync(this.fd);
      kind = stat.isFile() || stat.isBlockDevice() ? "file" : stat.isFIFO() || stat.isCharacterDevice() ? "pipe-or-terminal" : "other";
    } catch {
      return "direct"; // closed: each write reports the error
    }
    if (kind === "file") return "direct";
    if (kind === "pipe-or-terminal" && process.platform === "linux") {
      try {
        this.targetFd = openSync(`/proc/self/fd/${this.fd}`, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
        return "nonblocking";
      } catch {
        // not reopenable (permissions): Node's stream it is
      }
    }
    return "stream";
  }

  /** Closes the description this output opened, if any. */
  close(): void {
    if (this.targetFd !== this.fd) closeSync(this.targetFd);
    this.targetFd = this.fd;
    this.mode = undefined;
  }
}
