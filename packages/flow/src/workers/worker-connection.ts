// skein-io-adapter: the master's side of one worker's TCP connection.
/**
 * One connected worker, seen by the scheduler as an executor. Starting a task sends the input
 * files this worker has not seen yet (by hash), then the task; the worker sends declared
 * outputs back — small ones inside the result frame, larger ones streamed before it — which
 * land under a temporary name and are renamed into place when the result arrives. An empty
 * file is created in place directly: it cannot be seen half written. Outputs the rule did not
 * declare are refused. Every file, both ways, carries its permission bits (`file-modes.ts`):
 * an input goes to a worker once per content hash and mode, and an output gets the mode it had
 * on the worker when the result arrives, just before the rename: a staged file a dropped worker
 * leaves behind stays writable, so a rerun can overwrite it even when the output is read-only.
 * Each attempt starts from empty staging paths (`output-staging.ts`), so nothing an earlier
 * attempt left there reaches the target.
 *
 * The worker may answer a task with `rerun` instead of an outcome: it no longer had an input
 * (a task there changed it in place, so it dropped it), or the task may have seen another
 * task's change to an input they shared (see `input-cache.ts`). The task is then sent again,
 * with the files the worker names in `dropped`, at most `inputRerunsMax` times; the scheduler
 * sees one attempt that took longer. Any result may name `dropped` entries: the next task that
 * needs one sends it again. An entry is forgotten only if it was sent before the task that
 * reports it, since frames arrive in order: one sent after it is already on its way.
 *
 * An input is hashed when its task starts, and read again as the connection drains: edited in
 * place in between, its bytes would reach the worker under the old hash. So they are hashed
 * again as they are sent; the worker refuses a file whose bytes do not have their hash (it
 * answers the task with `rerun`), and the master, which sees the same mismatch, forgets the
 * file's hash and sends the task again with the file hashed afresh — at most `inputRerunsMax`
 * times, then the task fails naming the file that keeps changing.
 */
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync } from "node:fs";
import { appendFile, mkdir, writeFile } from "node:fs/promises";
import type { Socket } from "node:net";
import { dirname } from "node:path";
import type { Executor, ExecutorListener, RunEnd, TaskRequest } from "../executors/executor.ts";
import { absolutePath } from "../paths.ts";
import type { ExecutorInfo, TaskOutcome } from "../schedule/types.ts";
import { cacheListingProblem, cachedNamePattern } from "./cache-listing.ts";
import type { FileCatalog } from "./file-catalog.ts";
import { cachedFileName, isFileMode } from "./file-modes.ts";
import { FrameQueue } from "./frame-queue.ts";
import { encodeFrame, type Frame, frameBytesMax } from "./frames.ts";
import { InputHolds } from "./input-holds.ts";
import type { OutputStaging } from "./output-staging.ts";
import { createEmpty, replace, writeWithMode } from "./output-files.ts";
import { resultOutcome } from "./result-outcome.ts";
import { sandboxPathProblem } from "./sandbox-paths.ts";
import type { Running } from "./sent-task.ts";
import { shownPaths } from "./shown-paths.ts";
import { inputsOverDisk, tooLarge } from "./task-limits.ts";
import { StartReports } from "./start-reports.ts";
import { inlineOutputs, type PlacedOutput, stagedPath } from "./staged-outputs.ts";

/** Times one task is sent again to a worker that asks (`rerun`) before it fails. */
export const inputRerunsMax = 3;

/** Output bytes received from one worker and not yet written to disk, beyond which its connection is not read. */
export const unwrittenBytesMax = 64 * 1024 * 1024;

/** Inputs remembered as changed while they were sent (entry → path), to name them when a task fails. */
export const changedInputsRememberedMax = 1_000;

export class WorkerConnection implements Executor {
  /** Cache entries the worker has → the task frames sent before each (see `Running.sequence`). */
  private readonly sent = new Map<string, number>();
  private tasksSent = 0;
  /** Tasks whose frames follow input bytes: the worker says when they run (`start-reports.ts`). */
  private readonly starts = new StartReports((tasks) => this.tellAwaiting(tasks));
  private readonly running = new Map<number, Running>();
  /** The input bytes the worker's tasks hold (`input-holds.ts`), and the tasks waiting here, in order, for room beside them. */
  private readonly holds = new InputHolds();
  private readonly waiting = new Map<number, { request: TaskRequest; reruns: number }>();
  /** Frames to the worker, input files read as the connection drains. */
  private readonly queue: FrameQueue;
  /** Output bytes received and not yet written (off the event loop); above `unwrittenBytesMax`, reading pauses. */
  private unwrittenBytes = 0;
  private readonly directories = new Set<string>();
  /** Inputs whose bytes, as sent, did not have the hash they were sent under: entry → path on the master. */
  private readonly changedWhileSent = new Map<string, string>();
  /** Whether the worker has said which entries it holds (its first frame). */
  private announced = false;
  /** Input files shipped to this worker, for tests and the summary. */
  shippedFiles = 0;
  shippedBytes = 0; // input bytes shipped, for tests
  /** Set when the connection is gone: late results no longer touch the workflow's files. */
  disconnected = false;

  constructor(
    readonly info: ExecutorInfo,
    private readonly socket: Socket,
    private readonly catalog: FileCatalog,
    private readonly staging: OutputStaging,
    private readonly directory: string,
    private readonly listener: ExecutorListener,
    /** The goodbye frame: whether the run finished or a signal stopped it (see `worker-back-end.ts`). */
    private readonly goodbye: (end?: RunEnd) => Buffer,
    /** Drops the worker, saying why (an input could not be read while it was being sent). */
    private readonly drop: (reason: string) => void,
  ) {
    this.queue = new FrameQueue(socket);
  }

  start(request: TaskRequest, reruns = 0): void {
    // behind those waiting for room on the worker's --disk (`input-holds.ts`), in order, unless it holds nothing there
    if ((this.waiting.size === 0 || request.rule.sources.length === 0) && this.send(request, reruns, false)) return;
    this.waiting.set(request.task, { request, reruns });
    this.starts.awaiting(request.task);
  }

  /** Sends the task and the inputs the worker lacks; false (nothing sent) when they would not fit beside those its tasks hold. */
  private send(request: TaskRequest, reruns: number, waited: boolean): boolean {
    const { rule, task } = request;
    const names = [...rule.sources, ...rule.targets].map((f) => [f.remoteName, sandboxPathProblem(f.remoteName)] as const);
    const bad = names.find(([, problem]) => problem);
    if (bad) {
      const reason = `'${bad[0]}' would escape the worker's sandbox (${bad[1]}); rename it with local->remote`;
      return this.later(task, { ok: false, reason, permanent: true });
    }
    const attempt = {};
    const outputs = new Map(rule.targets.map((t) => [t.remoteName, absolutePath(this.directory, t.path)]));
    try {
      const inputs = rule.sources.flatMap((s) => this.catalog.entries(absolutePath(this.directory, s.path), s.remoteName));
      const cores = Math.max(1, rule.resources.cores ?? 1);
      const unsent = inputs.filter(({ hash, mode }) => hash && mode !== undefined && !this.sent.has(cachedFileName(hash, mode)));
      // behind input bytes the worker may still be receiving (this task's or another's): it says when the command runs
      const awaiting = waited || this.starts.awaits(unsent.length > 0);
      const header = { type: "task", task, cores, command: rule.command, environment: rule.environment, inputs: inputs.map(({ name, hash, mode }) => ({ name, hash, mode })), outputs: [...outputs.keys()], ...(awaiting ? { running: true } : {}) };
      const frame = encodeFrame(header);
      // the worker would refuse the frame and drop the connection, and every worker after it
      if (frame.length > frameBytesMax) return this.later(task, { ok: false, reason: tooLarge(frame.length, inputs.length), permanent: true });
      const cached = new Set(inputs.flatMap(({ hash, mode }) => (hash && mode !== undefined ? [cachedFileName(hash, mode)] : [])));
      // its inputs are in the worker's cache together, which its --disk bounds: another worker may have room
      const tooBig = inputsOverDisk(inputs, this.info.capacity.diskMb, this.info.id);
      if (tooBig) return this.later(task, { ok: false, reason: tooBig.reason, elsewhere: true, inputBytes: tooBig.bytes });
      // sent now, they would land on the worker while it cannot run the task yet, past its --disk
      if (!this.holds.fits(inputs, this.info.capacity.diskMb * 1_000_000)) return false;
      for (const { hash, mode, path } of unsent) if (!this.sent.has(cachedFileName(hash!, mode!))) this.sendFile(hash!, mode!, path);
      const emptied = [...outputs.values()].flatMap((local) => this.staging.claim(`${local}.skein-part`, attempt) ?? []);
      const writes = emptied.length === 0 ? undefined : Promise.all(emptied).then(() => {});
      writes?.catch(() => {}); // reported when the result arrives
      this.running.set(task, { request, outputs, received: new Set(), modes: new Map(), writes, attempt, inputs: cached, sequence: ++this.tasksSent, reruns, awaiting });
      this.holds.hold(task, inputs);
      this.write(frame);
      if (awaiting && !waited) this.starts.awaiting(task);
    } catch (error) {
      this.running.delete(task);
      this.holds.release(task);
      this.releaseStaging(outputs, attempt);
      return this.later(task, { ok: false, reason: `cannot ship inputs: ${shownPaths((error as Error).message, this.directory)}` });
    }
    return true;
  }

  /** The listener hears the task's outcome once this call is over; true: the task is dealt with. */
  private later(task: number, outcome: TaskOutcome): true {
    queueMicrotask(() => this.listener.finished(task, outcome));
    return true;
  }

  /** The task ended on the worker (or was aborted there): its inputs are held no more, and tasks waiting may go, in order. */
  private ended(task: number): void {
    this.running.delete(task);
    this.holds.release(task);
    for (const [waiting, { request, reruns }] of this.waiting) {
      if (!this.send(request, reruns, true)) return;
      this.waiting.delete(waiting);
    }
  }

  /** Fast abort leaves these tasks alone until their commands run (those not aborted since). */
  private tellAwaiting(tasks: readonly number[]): void {
    const tell = () => {
      for (const task of tasks) if (this.running.get(task)?.awaiting || this.waiting.has(task)) this.listener.awaiting?.(task);
    };
    if (this.listener.batch) this.listener.batch(tell);
    else tell();
  }

  private releaseStaging(outputs: ReadonlyMap<string, string>, attempt: object): void {
    for (const local of outputs.values()) this.staging.release(`${local}.skein-part`, attempt);
  }

  /** Frames leave in order, together when written in one turn of the event loop (`frame-queue.ts`). */
  private write(frame: Buffer): void {
    this.queue.frame(frame);
  }

  /**
   * Sends a file the worker does not have with this mode (see `file-modes.ts`), read as the
   * connection drains. One that cannot be read by then (removed since its task started) has the
   * worker dropped: part of it may have been sent, and the worker keeps it only when whole.
   */
  private sendFile(hash: string, mode: number, path: string): void {
    const name = cachedFileName(hash, mode);
    this.sent.set(name, this.tasksSent);
    this.starts.fileQueued(this.tasksSent);
    this.shippedFiles++;
    const failed = (error: Error) => this.drop(shownPaths(`cannot send input ${path}: ${(error as NodeJS.ErrnoException).code ?? error.message}`, this.directory));
    const digest = createHash("sha256");
    const frame = (chunk: Buffer, last: boolean) => {
      digest.update(chunk);
      this.shippedBytes += chunk.length;
      if (last && digest.digest("hex") !== hash) this.changed(name, path);
      return encodeFrame({ type: "file", hash, mode, last }, chunk);
    };
    this.queue.file(path, frame, failed);
  }

  /**
   * The bytes of `path` just sent as entry `name` do not have its hash: the file changed after it
   * was hashed. The worker refuses them, and the tasks that need them come back (`rerun`); they
   * are sent again with the file hashed afresh.
   */
  private changed(name: string, path: string): void {
    this.sent.delete(name);
    this.catalog.forget(path);
    this.changedWhileSent.delete(name);
    this.changedWhileSent.set(name, path);
    if (this.changedWhileSent.size > changedInputsRememberedMax) this.changedWhileSent.delete(this.changedWhileSent.keys().next().value!);
  }

  /** The worker's first frame: the cache entries it holds from earlier connections; or a reason to disconnect it. */
  private cached(entries: unknown): string | undefined {
    if (this.announced) return "a second cache listing";
    this.announced = true;
    const problem = cacheListingProblem(entries);
    if (problem) return problem;
    for (const name of entries as string[]) this.sent.set(name, 0); // there before any task
    return undefined;
  }

  /** Tells the worker the master is alive (any frame does; this one is for idle times). */
  heartbeat(): void {
    if (!this.socket.writableEnded && this.queue.length === 0) this.write(encodeFrame({ type: "heartbeat" }));
  }

  abort(task: number): void {
    if (this.waiting.delete(task)) return; // never sent
    const running = this.running.get(task);
    if (!running) return;
    this.releaseStaging(running.outputs, running.attempt);
    this.write(encodeFrame({ type: "abort", task }));
    this.ended(task);
  }

  /** A frame from the worker; returns a reason to disconnect it, if it misbehaved. */
  frame(frame: Frame): string | undefined {
    const { header } = frame;
    if (header.type === "heartbeat") return undefined; // its bytes already counted as life
    if (header.type === "cached") return this.cached(header.entries);
    if (header.type !== "output" && header.type !== "result" && header.type !== "running") return `unexpected '${header.type}'`;
    const running = this.running.get(Number(header.task));
    if (!running) return undefined; // aborted: its late frames are dropped
    // frames arrive in order: the worker has every input queued before this task
    this.starts.heard(running.sequence);
    if (header.type === "running") {
      if (!running.awaiting) return undefined; // said twice, or for a task that never waited
      running.awaiting = false;
      this.listener.running?.(running.request.task);
      return undefined;
    }
    if (header.type === "result") {
      const dropped = this.forgetDropped(running, header.dropped);
      if (dropped) return dropped;
      if (header.rerun !== undefined) return this.rerun(running, header.rerun, header.dropped as string[] | undefined);
      const inline = inlineOutputs(running.outputs, header.inline, frame.payload.length);
      if (typeof inline === "string") return inline;
      this.ended(Number(header.task));
      if (!running.writes) this.finish(running, header, inline, frame.payload);
      else running.writes.then(() => this.finish(running, header, inline, frame.payload), (error: Error) => this.finish(running, header, inline, frame.payload, error));
      return undefined;
    }
    const staged = stagedPath(running.outputs, String(header.name));
    if (!staged) return `undeclared output '${String(header.name)}'`;
    const { path, root } = staged;
    if (header.directory === true) this.queueWrite(running, root, () => mkdir(path, { recursive: true }));
    else {
      if (!isFileMode(header.mode)) return `bad mode for output '${String(header.name)}'`;
      if (path === root) this.ensureDirectory(dirname(root));
      const { payload } = frame;
      // the tree's directories come before their files; made here all the same for a file sent without
      const first = path === root ? () => writeFile(path, payload) : () => mkdir(dirname(path), { recursive: true }).then(() => writeFile(path, payload));
      this.queueWrite(running, root, running.received.has(path) ? () => appendFile(path, payload) : first, payload.length);
      running.received.add(path);
      running.modes.set(path, header.mode);
    }
    running.received.add(root);
    return undefined;
  }

  /** Queues a write under the staging path `root`, behind earlier attempts' writes there. */
  private queueWrite(running: Running, root: string, write: () => Promise<unknown>, bytes = 0): void {
    this.unwrittenBytes += bytes;
    if (this.unwrittenBytes > unwrittenBytesMax) this.socket.pause();
    const done = this.staging.write(root, running.attempt, write);
    if (bytes > 0) {
      void done.finally(() => {
        this.unwrittenBytes -= bytes;
        if (this.unwrittenBytes <= unwrittenBytesMax && this.socket.isPaused() && !this.disconnected) this.socket.resume();
      }).catch(() => {});
    }
    const writes = running.writes ? Promise.all([running.writes, done]).then(() => {}) : done;
    writes.catch(() => {}); // reported when the result arrives; moot if it never does
    running.writes = writes;
  }

  /** Forgets the cache entries a result says the worker dropped; or a reason to disconnect it. */
  private forgetDropped(running: Running, value: unknown): string | undefined {
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || !value.every((name) => typeof name === "string" && cachedNamePattern.test(name) && running.inputs.has(name))) return "bad dropped inputs";
    // one sent after this task's frame reached the worker after it dropped that entry
    for (const name of value as string[]) if ((this.sent.get(name) ?? Number.POSITIVE_INFINITY) < running.sequence) this.sent.delete(name);
    return undefined;
  }

  /** The worker asked to run the task again (its inputs changed there): sent again, with them, or failed. */
  private rerun(running: Running, reason: unknown, dropped: readonly string[] = []): string | undefined {
    if (typeof reason !== "string") return "bad rerun reason";
    const { request } = running;
    this.ended(request.task);
    this.releaseStaging(running.outputs, running.attempt);
    if (running.reruns < inputRerunsMax) return void this.start(request, running.reruns + 1);
    const changed = dropped.map((name) => this.changedWhileSent.get(name)).find((path) => path !== undefined);
    const why = changed ? `input ${shownPaths(changed, this.directory)} changed while it was being sent to ${this.info.id}, ${running.reruns + 1} times: it must not change during the run` : `the worker asked to run it again ${running.reruns + 1} times (${reason.slice(0, 200)})`;
    this.listener.finished(request.task, { ok: false, reason: why });
    return undefined;
  }

  /**
   * Writes inline outputs in order (a directory comes before its files). An empty file whose
   * target is the declared output itself is created in place; the rest go to `.skein-part`.
   */
  private storeInline(running: Running, inline: readonly PlacedOutput[], payload: Buffer): void {
    let offset = 0;
    for (const entry of inline) {
      if (entry.directory) {
        this.staging.wrote(entry.root);
        mkdirSync(entry.path, { recursive: true });
        running.received.add(entry.root);
        continue;
      }
      const bytes = entry.bytes!;
      const content = payload.subarray(offset, offset + bytes);
      offset += bytes;
      const target = entry.path === entry.root ? entry.root.slice(0, -".skein-part".length) : undefined;
      const mode = entry.mode!;
      if (bytes === 0 && target !== undefined && createEmpty(target, mode)) continue;
      // inside a staged tree (emptied for each attempt) its directories are not remembered
      if (target !== undefined) this.ensureDirectory(dirname(entry.root));
      else mkdirSync(dirname(entry.path), { recursive: true });
      this.staging.wrote(entry.root);
      writeWithMode(entry.path, content, mode);
      running.received.add(entry.root);
    }
  }

  /** Creates a target's directory once; the workflow's own directory exists already. */
  private ensureDirectory(path: string): void {
    if (path === this.directory || this.directories.has(path)) return;
    mkdirSync(path, { recursive: true });
    this.directories.add(path);
  }

  private finish(running: Running, header: Frame["header"], inline: readonly PlacedOutput[], payload: Buffer, writeError?: Error): void {
    // dropped or aborted since: the scheduler has moved on, and a later attempt may own the staging paths
    const current = !this.disconnected && [...running.outputs.values()].every((local) => this.staging.holds(`${local}.skein-part`, running.attempt));
    try {
      if (current) this.listener.finished(running.request.task, this.outcome(running, header, inline, payload, writeError));
    } finally {
      this.releaseStaging(running.outputs, running.attempt);
    }
  }

  /** Stores the outputs and renames them into place; what the result says of the task. */
  private outcome(running: Running, header: Frame["header"], inline: readonly PlacedOutput[], payload: Buffer, writeError: Error | undefined): TaskOutcome {
    if (typeof header.refused === "string") return { ok: false, reason: `worker refused the task: ${header.refused}`, permanent: true };
    try {
      if (writeError) throw writeError;
      this.storeInline(running, inline, payload);
      for (const [path, mode] of running.modes) chmodSync(path, mode);
      for (const local of running.outputs.values()) {
        if (!running.received.has(`${local}.skein-part`)) continue;
        replace(`${local}.skein-part`, local);
        this.staging.moved(`${local}.skein-part`);
      }
      for (const local of running.outputs.values()) this.catalog.forgetSize(local); // written now: read afresh when a rule needs it
    } catch (error) {
      return { ok: false, reason: `cannot store outputs: ${shownPaths((error as Error).message, this.directory)}` };
    }
    return resultOutcome(header);
  }

  async close(end?: RunEnd): Promise<void> {
    this.queue.close(); // the run is over: files and tasks still waiting are moot
    this.waiting.clear();
    this.socket.end(this.goodbye(end));
  }
}
