/**
 * One node as a process (`skein run --node`): a NetNode with durable storage, an optional
 * recorder, log lines on stdout, and a clean stop on SIGTERM / SIGINT or after a duration.
 */
import type { ServiceFactory } from "@skein/core";
import type { PeerAddress } from "./link.ts";
import { type NetLogLine, NetNode } from "./net-node.ts";
import { TurnRecorder } from "./recorder.ts";
import { RecordingFileWriter } from "./recording-file.ts";
import type { TlsInit } from "./transport.ts";

export interface NodeProcessInit {
  readonly id: string;
  readonly services: Record<string, ServiceFactory>;
  readonly listen: PeerAddress;
  readonly peers: Record<string, PeerAddress>;
  readonly dataDir: string;
  /** Record every nondeterministic input into this directory. */
  readonly recordDir?: string;
  /** When recording: checkpoint the services' state this often (default 1 s; 0 = never). */
  readonly checkpointEveryMs?: number;
  /** Stop after this long (default: until a signal). */
  readonly durationMs?: number;
  readonly secret?: string;
  /** TLS between the nodes (see `NetInit.tls`). */
  readonly tls?: TlsInit;
  /** Print debug lines too. */
  readonly verbose?: boolean;
}

/** Formats a log line as the launcher streams it. */
export function formatLogLine(line: NetLogLine): string {
  const fields = line.fields ? ` ${JSON.stringify(line.fields)}` : "";
  return `${line.level.padEnd(5)} ${line.service}: ${line.message}${fields}`;
}

/** Runs the node until it is told to stop; resolves with the exit code. */
export async function runNodeProcess(init: NodeProcessInit): Promise<number> {
  const writer = init.recordDir ? new RecordingFileWriter(init.recordDir, init.id) : undefined;
  const recorder = writer ? new TurnRecorder(writer.write, () => performance.timeOrigin + performance.now()) : undefined;
  const node = new NetNode({
    id: init.id,
    listen: init.listen,
    peers: init.peers,
    dataDir: init.dataDir,
    secret: init.secret,
    tls: init.tls,
    recorder,
    checkpointEveryMs: init.checkpointEveryMs,
    onLog: (line) => {
      if (line.level !== "debug" || init.verbose) process.stdout.write(`${formatLogLine(line)}\n`);
    },
  });
  for (const [name, factory] of Object.entries(init.services)) node.addService(name, factory);
  const address = await node.start();
  const notes = [init.tls ? "TLS" : "", writer ? `recording to ${writer.path}` : ""].filter(Boolean);
  process.stdout.write(`listening on ${address.host}:${address.port}${notes.length ? ` (${notes.join(", ")})` : ""}\n`);
  let durationTimer: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
    if (init.durationMs !== undefined) durationTimer = setTimeout(resolve, init.durationMs);
  });
  // a pending duration timer would keep a stopped process alive until the duration is over
  clearTimeout(durationTimer);
  node.stop();
  writer?.close();
  return 0;
}
