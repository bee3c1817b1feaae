/**
 * The worker wire, on `@skein/net/wire`: net's frames (a 4-byte big-endian length, a type byte,
 * a msgpack body) and net's handshake, in which master and worker each prove the password
 * (HMAC of the other's fresh nonce, see net's auth.ts) — the master first, so a worker never
 * takes a task from a master that does not know its password, and the master never sends one to
 * a worker that does not. Without a password on either side the handshake runs with an empty
 * one; a password on one side only fails it. The protocol is "skein-flow", version
 * `flowWireVersion`: a peer of another protocol or version is refused by name.
 *
 * After the Welcome every frame is `FrameType.Data` with the body `[header]` or
 * `[header, payload]`: a msgpack map with a string `type` and file bytes. Frames above
 * `frameBytesMax` are refused, so a peer cannot make the other side buffer without bound; files
 * travel in chunks below it. Before a peer has proved the password, frames above
 * `helloFrameBytesMax` are refused.
 *
 * Worker → master Hello info: `cores`, `memoryMb`, `diskMb`. Master → worker Welcome:
 * `heartbeatMs`, `workerTimeoutMs`, `pipelineCores`. Then worker → master: `cached` (the cache
 * entries it holds), and master → worker: `file`, `task`,
 * `abort`, `heartbeat`, `bye`; worker → master: `running`, `output`, `result` (whose payload carries a
 * task's small outputs, listed in its `inline` field; see `worker-outputs.ts`), `heartbeat`.
 * A result may name in `dropped` the cache entries (`<sha256>.<mode>`) of the task's inputs that
 * the worker no longer has, because a task changed them in place; with `rerun` (a reason) instead
 * of an outcome it asks for the task again, with those files (`input-cache.ts`,
 * `worker-connection.ts`).
 * A `bye` ends the connection: without `stopped`, the workflow is over and the worker exits —
 * with `failed` (a reason: `rule 'x' (w.mf:3:1) failed: …`) when it failed, which the worker
 * repeats; with `stopped` (a reason: `interrupted by SIGINT`), the master stopped before that
 * and keeps its log for a resume, so the worker reconnects as after a lost connection
 * (`worker-supervisor.ts`). Both reasons are cut at `goodbyeReasonCharsMax` by both sides.
 * A heartbeat is a header alone (about 20 bytes), one per `heartbeatMs` each way. Every file
 * — a `file` frame, a task's input, an `output` frame, an inline output — names its permission
 * bits in `mode` (`file-modes.ts`).
 *
 * Versions: 2 added `mode` (version 1 peers lost the execute bit both ways); a peer of
 * version 1 is refused by name rather than left to run scripts it cannot execute. 3 added
 * `dropped` and `rerun`: a version 2 master would take a rerun for a failure, and keep sending
 * tasks an input the worker dropped. 4 added `stopped` to `bye`: a version 3 worker would take
 * an interrupted master's goodbye for the end of its workflow and exit, never to come back for
 * the resumed run. 5 keeps the worker's input cache across connections: the worker's first
 * frame after the Welcome is `cached`, naming in `entries` the cache entries (`<sha256>.<mode>`)
 * it holds (at most `cachedAnnouncedMax`, see `input-cache.ts`), and the master sends only the
 * others; the master takes the worker on only once it has that list. A version 4 master would
 * take `cached` for a protocol error, and a version 4 worker would never send it (the master
 * would wait for it until the handshake time ran out). 5 also has the worker say when a task's
 * command starts, if the master asks (`running: true` in the `task` frame, which it sets when
 * the frame follows input bytes the worker may not have yet): a `running` frame naming the
 * `task`, sent once all its inputs are in place, so fast abort does not count their transfer
 * (a version 4 master would take it for a protocol error); and a result carries the command's
 * `durationMs` as the worker measured it, when it did.
 *
 * A field is added without a new version when a peer of the same version that ignores it still
 * acts rightly, and only says less or does no worse than before: `failed` in `bye` (a version 5
 * worker of before it exits 0 as the master finished, as it would with it, but without saying
 * that the workflow failed); `elsewhere` in a result whose task this worker cannot run (an
 * input larger than its --disk, a full disk), so the master runs it on another worker if one
 * may (a version 5 master of before it fails the task, as it did); `again` in a result whose
 * task the worker killed for what it took of --disk with the tasks beside it, which it alone
 * fits, so the master runs it again (a version 5 master of before fails it, as it did); a `dropped` frame (a
 * `reason`: `silent for 1012 ms (worker timeout 1000 ms)`, a protocol error), the master's last
 * before it closes a connection it gives up on, so the worker says why before it reconnects (a
 * version 5 worker of before ignores a frame type it does not know, and says only that the
 * connection closed).
 * A field that changes what the receiver must do (`stopped`: reconnect rather than exit) needs
 * a new version, so that an older peer is refused by name rather than misled.
 */
import { type Admission, FrameDecoder, FrameError, FrameType, Handshake, pack, packFrame, unpack, encodeFrame as wireFrame } from "@skein/net/wire";

export { FrameError };

/** The protocol's name and version in the handshake. */
export const flowMagic = "skein-flow";
export const flowWireVersion = 5;
/** The master's node id in the handshake (workers name themselves, see `workerNodeId`). */
export const masterNodeId = "master";

/** Largest frame accepted (header + payload); a peer sending more is disconnected. */
export const frameBytesMax = 8 * 1024 * 1024;
/**
 * Largest frame read from a peer that has not yet proved the password (a Hello is ≈ 200
 * bytes): what an unauthenticated peer can make the other side buffer and parse.
 */
export const helloFrameBytesMax = 16 * 1024;
/** The longest `stopped` or `failed` reason in a `bye` (the worker repeats it in its log). */
export const goodbyeReasonCharsMax = 500;

/** A goodbye's reason as one bounded line (`goodbyeReasonCharsMax`); undefined if it is not a string. */
export function goodbyeReason(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const line = value.replace(/\p{Cc}+/gu, " ").trim();
  return line.length > goodbyeReasonCharsMax ? `${line.slice(0, goodbyeReasonCharsMax - 1)}…` : line;
}

/** The master's goodbye: `stopped` when the run was stopped before it was over, `failed` when it failed. */
export function goodbyeFrame(end: { readonly stopped?: string; readonly failed?: string } | undefined): Buffer {
  const stopped = goodbyeReason(end?.stopped);
  if (stopped !== undefined) return encodeFrame({ type: "bye", stopped });
  const failed = goodbyeReason(end?.failed);
  return encodeFrame(failed === undefined ? { type: "bye" } : { type: "bye", failed });
}

/** Why the master drops this worker, said just before it closes the connection (see above). */
export function droppedFrame(reason: string): Buffer {
  return encodeFrame({ type: "dropped", reason: goodbyeReason(reason) });
}

/** File bytes per frame when shipping inputs and outputs. */
export const chunkBytes = 1024 * 1024;

export interface Frame {
  readonly header: { readonly type: string; readonly [key: string]: unknown };
  /** The file bytes (empty when the frame has none). */
  readonly payload: Buffer;
}

const empty = Buffer.alloc(0);

/** One whole frame, ready for the socket. */
export function encodeFrame(header: object, payload?: Buffer): Buffer {
  return packFrame(FrameType.Data, payload ? [header, payload] : [header]);
}

/** A Data frame's body as a frame; FrameError if it is not one. */
export function decodeFrame(body: Uint8Array): Frame {
  const value = unpack(body);
  if (!Array.isArray(value) || value.length < 1 || value.length > 2) throw new FrameError("a frame is [header] or [header, payload]");
  const [header, payload] = value as [Frame["header"] | null, unknown];
  if (typeof header !== "object" || header === null || typeof header.type !== "string") throw new FrameError("header has no type");
  if (payload !== undefined && !Buffer.isBuffer(payload)) throw new FrameError("payload is not bytes");
  return { header, payload: payload ?? empty };
}

/**
 * A Refuse frame: what a master answers to a handshake it cannot read (another version or
 * protocol), so that the worker stops with the reason instead of trying again.
 */
export function refuseFrame(reason: string): Buffer {
  return wireFrame(FrameType.Refuse, pack({ reason }));
}

/** A worker's node id in the handshake: its host and process. */
export function workerNodeId(host: string, pid: number): string {
  return `${host.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 100) || "worker"}:${pid}`;
}

export interface FlowWireInit {
  readonly role: "connector" | "acceptor";
  readonly self: string;
  readonly password: string | undefined;
  /** Connector (worker): what it declares in its Hello. */
  readonly info?: Record<string, unknown>;
  /** Acceptor (master): the verdict on a worker that proved the password; default: welcome it. */
  readonly admit?: (handshake: Handshake) => Admission;
}

export interface FlowWireEvents {
  /** The handshake is over: the Welcome's body. */
  readonly opened?: (welcome: Record<string, unknown>, handshake: Handshake) => void;
  /** A frame after the handshake. */
  readonly frame: (frame: Frame) => void;
  /**
   * The handshake failed: `byPeer` false when this side refused the peer (its Refuse is
   * written: end the socket), true when the peer refused this side.
   */
  readonly refused?: (reason: string, byPeer: boolean) => void;
}

/** Anything frames can be written to (a socket). */
export interface FrameSink {
  write(frame: Buffer): unknown;
}

/**
 * One side of a worker connection: runs the handshake, then hands out frames. Fed the bytes
 * that arrive; `push` throws FrameError on anything that breaks the protocol, and the caller
 * closes the connection.
 */
export class FlowWire {
  readonly handshake: Handshake;
  private readonly decoder = new FrameDecoder(helloFrameBytesMax);
  private open = false;
  private failed = false;

  constructor(
    sink: FrameSink,
    init: FlowWireInit,
    private readonly events: FlowWireEvents,
  ) {
    const { role, self, password, info, admit } = init;
    const send = (frame: Buffer) => void sink.write(frame);
    this.handshake = new Handshake({ role, self, secret: password ?? "", secretName: "password", magic: flowMagic, version: flowWireVersion, incarnation: incarnation(), expectedPeer: role === "connector" ? masterNodeId : undefined, info, admit, send });
    this.handshake.start();
  }

  get isOpen(): boolean {
    return this.open;
  }

  push(chunk: Buffer): void {
    if (this.failed) return;
    this.decoder.push(chunk, this.onFrame);
  }

  private readonly onFrame = (frame: { type: FrameType; body: Buffer }): void => {
    if (this.failed) return;
    if (this.open) {
      if (frame.type !== FrameType.Data) throw new FrameError(`unexpected frame type ${frame.type} after the handshake`);
      this.events.frame(decodeFrame(frame.body));
      return;
    }
    const step = this.handshake.receive(frame.type, frame.body);
    if (this.handshake.peerProven) this.decoder.bytesMax = frameBytesMax;
    if (step.kind === "open") {
      this.open = true;
      this.events.opened?.(step.welcome, this.handshake);
    } else if (step.kind === "refusing" || step.kind === "refused") {
      this.failed = true;
      this.events.refused?.(step.reason, step.kind === "refused");
    }
  };
}

/** Flow's peers do not tell restarts apart by incarnation: any 8 bytes will do. */
function incarnation(): Uint8Array {
  return new Uint8Array(8);
}
