/**
 * A Runtime that makes a Skein service a Maelstrom node (the Jepsen harness behind the Gossip
 * Glomers challenges): JSON messages `{src, dest, body}` one per line on stdin and stdout.
 *
 * Mapping: a message with `msg_id` arrives as a call (its reply goes back with `in_reply_to`
 * and, unless the handler sets one, the type `<type>_ok`); without `msg_id` as a plain send. A
 * Skein `call` to another node goes out with `msg_id` = the call id, and the answer
 * (`in_reply_to`) settles it; an `error` answer becomes a RemoteError named after the Maelstrom
 * error. A handler that throws answers with a Maelstrom error: the code is looked up from the
 * error's name (`maelstromError("key-does-not-exist", …)`), otherwise 13 (crash). Maelstrom has
 * one service per node, so service names are dropped on the way out and filled in on the way in.
 */
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { type Envelope, EnvelopeKind, type LogEntry, MemoryStorage, NodeHost, type Runtime, type ServiceFactory, type Storage } from "@skein/core";

/** Longest input line accepted; longer lines are logged and skipped. */
export const MAELSTROM_LINE_CHARS_MAX = 1024 * 1024;

/** Maelstrom's error codes, by name. */
export const MAELSTROM_ERROR_CODES: Readonly<Record<string, number>> = {
  timeout: 0,
  "node-not-found": 1,
  "not-supported": 10,
  "temporarily-unavailable": 11,
  "malformed-request": 12,
  crash: 13,
  abort: 14,
  "key-does-not-exist": 20,
  "key-already-exists": 21,
  "precondition-failed": 22,
  "txn-conflict": 30,
  // Skein's own failures
  TimeoutError: 0,
  UnreachableError: 11,
  UnknownMessageType: 10,
  NoSuchService: 10,
};
const NAME_OF_CODE = new Map(Object.entries(MAELSTROM_ERROR_CODES).filter(([n]) => /^[a-z]/.test(n)).map(([n, c]) => [c, n]));

/** An error a handler throws to answer with a specific Maelstrom error. */
export function maelstromError(name: keyof typeof MAELSTROM_ERROR_CODES, text: string): Error {
  const error = new Error(text);
  error.name = name;
  return error;
}

/** What a Maelstrom service file exports by default: a factory given the cluster from `init`. */
export type MaelstromService = (cluster: { readonly nodeId: string; readonly nodeIds: readonly string[] }) => ServiceFactory;

interface MaelstromMessage {
  src: string;
  dest: string;
  body: { type: string; msg_id?: number; in_reply_to?: number; [field: string]: unknown };
}

export interface MaelstromInit {
  readonly service: MaelstromService;
  /** Name of the service inside the node (default "main"). */
  readonly serviceName?: string;
  readonly input?: Readable;
  readonly output?: Writable;
  /** Diagnostics (default: stderr, as Maelstrom expects). */
  readonly log?: (line: string) => void;
}

export class MaelstromNode implements Runtime {
  private host: NodeHost | undefined;
  private readonly storageInstance = new MemoryStorage();
  private readonly serviceName: string;
  private readonly output: Writable;
  private readonly logLine: (line: string) => void;

  constructor(private readonly init: MaelstromInit) {
    this.serviceName = init.serviceName ?? "main";
    this.output = init.output ?? process.stdout;
    this.logLine = init.log ?? ((line) => process.stderr.write(`${line}\n`));
  }

  /** Reads messages until the input ends. */
  async run(): Promise<void> {
    const lines = createInterface({ input: this.init.input ?? process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of lines) this.receiveLine(line);
    this.host?.stop();
  }

  receiveLine(line: string): void {
    if (line.trim() === "") return;
    if (line.length > MAELSTROM_LINE_CHARS_MAX) return this.logLine(`skipped a line of ${line.length} characters (limit ${MAELSTROM_LINE_CHARS_MAX})`);
    let message: MaelstromMessage;
    try {
      message = JSON.parse(line) as MaelstromMessage;
    } catch {
      return this.logLine(`skipped a line that is not JSON: ${line.slice(0, 200)}`);
    }
    const body = message?.body;
    if (typeof message !== "object" || typeof message.src !== "string" || typeof body !== "object" || body === null || typeof body.type !== "string" || body.type === "") {
      return this.logLine(`skipped a message without src or body.type: ${line.slice(0, 200)}`);
    }
    if (body.type === "init") return this.initialize(message);
    if (!this.host) return this.replyError(message, 11, "node not initialized yet");
    this.host.deliver(this.toEnvelope(message));
  }

  private initialize(message: MaelstromMessage): void {
    const { node_id: nodeId, node_ids: nodeIds } = message.body as { node_id?: unknown; node_ids?: unknown };
    if (typeof nodeId !== "string" || !Array.isArray(nodeIds)) return this.replyError(message, 12, "init needs node_id and node_ids");
    if (!this.host) {
      this.host = new NodeHost(nodeId, this);
      this.host.addService(this.serviceName, this.init.service({ nodeId, nodeIds: nodeIds.map(String) }));
      this.host.start();
    }
    this.write({ src: this.host.id, dest: message.src, body: { type: "init_ok", in_reply_to: message.body.msg_id } });
  }

  private toEnvelope(message: MaelstromMessage): Envelope {
    const { body } = message;
    const source = { node: message.src, service: this.serviceName };
    const target = { node: this.host!.id, service: this.serviceName };
    if (typeof body.in_reply_to === "number") {
      if (body.type === "error") {
        const name = NAME_OF_CODE.get(Number(body.code)) ?? `error-${String(body.code)}`;
        return { kind: EnvelopeKind.Failure, source, target, type: body.type, body: { name, message: String(body.text ?? "") }, callId: body.in_reply_to };
      }
      return { kind: EnvelopeKind.Reply, source, target, type: body.type, body, callId: body.in_reply_to };
    }
    if (typeof body.msg_id === "number") return { kind: EnvelopeKind.Call, source, target, type: body.type, body, callId: body.msg_id };
    return { kind: EnvelopeKind.Send, source, target, type: body.type, body, callId: 0 };
  }

  private write(message: MaelstromMessage): void {
    this.output.write(`${JSON.stringify(message)}\n`);
  }

  private replyError(request: MaelstromMessage, code: number, text: string): void {
    if (typeof request.body.msg_id !== "number") return this.logLine(`error ${code} for a message without msg_id: ${text}`);
    this.write({ src: this.host?.id ?? "?", dest: request.src, body: { type: "error", in_reply_to: request.body.msg_id, code, text } });
  }

  // ---- Runtime ---------------------------------------------------------------------

  transmit(node: NodeHost, envelope: Envelope): void {
    const dest = envelope.target.node;
    const src = node.id;
    switch (envelope.kind) {
      case EnvelopeKind.Send:
        return this.write({ src, dest, body: { ...(envelope.body as object), type: envelope.type } });
      case EnvelopeKind.Call:
        return this.write({ src, dest, body: { ...(envelope.body as object), type: envelope.type, msg_id: envelope.callId } });
      case EnvelopeKind.Reply: {
        const reply = (typeof envelope.body === "object" && envelope.body !== null ? envelope.body : {}) as { type?: unknown };
        const type = typeof reply.type === "string" ? reply.type : `${envelope.type}_ok`;
        return this.write({ src, dest, body: { ...reply, type, in_reply_to: envelope.callId } });
      }
      case EnvelopeKind.Failure: {
        const failure = envelope.body as { name: string; message: string };
        const code = MAELSTROM_ERROR_CODES[failure.name] ?? 13;
        return this.write({ src, dest, body: { type: "error", in_reply_to: envelope.callId, code, text: `${failure.name}: ${failure.message}` } });
      }
    }
  }

  now(): number {
    return performance.timeOrigin + performance.now();
  }

  random(): number {
    return Math.random();
  }

  setTimer(_node: NodeHost, delayMs: number, callback: () => void): unknown {
    return setTimeout(callback, Math.max(0, delayMs));
  }

  clearTimer(_node: NodeHost, handle: unknown): void {
    clearTimeout(handle as NodeJS.Timeout);
  }

  storage(): Storage {
    return this.storageInstance;
  }

  log(node: NodeHost, entry: LogEntry): void {
    this.logLine(`${entry.level} ${node.id}/${entry.service}: ${entry.message}${entry.fields ? ` ${JSON.stringify(entry.fields)}` : ""}`);
  }

  asyncStarted(): void {}
}
