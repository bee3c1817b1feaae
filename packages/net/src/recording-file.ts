/**
 * Recording files on disk. The writer buffers records and hands them to the OS at the end of
 * each event-loop iteration (and whenever the buffer passes `RECORD_BUFFER_BYTES_MAX`), so a
 * killed process loses at most the records of its last iteration — a clean prefix, which the
 * replayer checks as far as it goes.
 */
import { closeSync, openSync, readdirSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { pack, unpack } from "./codec.ts";
import { makeDirectories } from "./make-directories.ts";
import { type RecordEntry, RecordKind, type RecordingMeta } from "./recording.ts";

/** Records buffered in memory before they are written out regardless of the loop. */
export const RECORD_BUFFER_BYTES_MAX = 1024 * 1024;
/** Largest single record a reader accepts (a storage snapshot can be big). */
export const RECORD_BYTES_MAX = 256 * 1024 * 1024;

const FILE_PATTERN = /^(.+)\.(\d+)\.rec$/;

/** Appends records to `<dir>/<node>.<incarnation>.rec`, the incarnation being the next free number. */
export class RecordingFileWriter {
  readonly path: string;
  readonly incarnation: number;
  private fd: number;
  private chunks: Buffer[] = [];
  private bytes = 0;
  private flushScheduled = false;

  constructor(dir: string, node: string) {
    makeDirectories(dir);
    const taken = readdirSync(dir)
      .map((name) => FILE_PATTERN.exec(name))
      .filter((m) => m !== null && m[1] === node)
      .map((m) => Number(m![2]));
    this.incarnation = taken.length ? Math.max(...taken) + 1 : 0;
    this.path = join(dir, `${node}.${this.incarnation}.rec`);
    this.fd = openSync(this.path, "wx");
  }

  /** Queues one record. */
  readonly write = (entry: RecordEntry): void => {
    if (this.fd < 0) return;
    const body = pack(entry);
    const header = Buffer.allocUnsafe(4);
    header.writeUInt32BE(body.length, 0);
    this.chunks.push(header, body);
    this.bytes += 4 + body.length;
    if (this.bytes >= RECORD_BUFFER_BYTES_MAX) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  };

  flush(): void {
    this.flushScheduled = false;
    if (this.fd < 0 || this.bytes === 0) return;
    writeSync(this.fd, Buffer.concat(this.chunks, this.bytes));
    this.chunks = [];
    this.bytes = 0;
  }

  close(): void {
    this.flush();
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

export function writeRecordingMeta(dir: string, meta: RecordingMeta): void {
  makeDirectories(dir);
  writeFileSync(join(dir, "meta.json"), `${JSON.stringify(meta, null, 2)}\n`);
}

/** One recorded process incarnation of one node. */
export interface RecordedIncarnation {
  readonly node: string;
  readonly incarnation: number;
  readonly entries: RecordEntry[];
  /** True if the file ends with an End record (the node stopped cleanly). */
  readonly complete: boolean;
  /** Bytes after the last whole record (a killed process's torn tail). */
  readonly tornBytes: number;
}

export interface Recording {
  readonly meta: RecordingMeta;
  /** Sorted by node, then incarnation. */
  readonly incarnations: RecordedIncarnation[];
}

/**
 * Decodes the records of one file, stopping at a torn or undecodable tail. A kill mid-write
 * leaves a record shorter than its length says (or zeros, after a power loss): a torn tail.
 * Anything else where decoding stops — a length no writer writes, a whole record that does not
 * decode — is damage, reported as `damagedAt` (its byte offset).
 */
export function decodeRecords(data: Buffer): { entries: RecordEntry[]; tornBytes: number; damagedAt?: number } {
  const entries: RecordEntry[] = [];
  let offset = 0;
  let damaged = false;
  while (data.length - offset >= 4) {
    const length = data.readUInt32BE(offset);
    if (offset + 4 + length > data.length) break; // torn, unless the length is impossible (below)
    let entry: unknown;
    try {
      entry = unpack(data.subarray(offset + 4, offset + 4 + length));
    } catch {
      damaged = true;
      break;
    }
    if (!Array.isArray(entry) || typeof entry[0] !== "number") {
      damaged = true;
      break;
    }
    entries.push(entry as RecordEntry);
    offset += 4 + length;
  }
  if (data.length - offset >= 4 && data.readUInt32BE(offset) > RECORD_BYTES_MAX) damaged = true;
  if (damaged && data.subarray(offset).every((byte) => byte === 0)) damaged = false;
  return damaged ? { entries, tornBytes: data.length - offset, damagedAt: offset } : { entries, tornBytes: data.length - offset };
}

/** A directory that is not a readable recording: the message names it and the problem. */
export class RecordingError extends Error {}

function readMeta(dir: string): RecordingMeta {
  let text: string;
  try {
    text = readFileSync(join(dir, "meta.json"), "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new RecordingError(`${dir}: not a recording (it has no meta.json)`);
    if (code === "ENOTDIR") throw new RecordingError(`${dir}: not a recording directory`);
    throw new RecordingError(`${join(dir, "meta.json")}: cannot read it (${code ?? (error as Error).message})`);
  }
  let meta: unknown;
  try {
    meta = JSON.parse(text);
  } catch (error) {
    throw new RecordingError(`${join(dir, "meta.json")}: not valid JSON (${(error as Error).message})`);
  }
  const m = meta as Partial<RecordingMeta> | null;
  if (typeof m !== "object" || m === null || typeof m.scenario !== "string" || !Array.isArray(m.nodes) || typeof m.params !== "object" || m.params === null) {
    throw new RecordingError(`${join(dir, "meta.json")}: not a recording's meta.json (it needs "scenario", "params" and "nodes")`);
  }
  return m as RecordingMeta;
}

/** Reads a whole recording directory; throws RecordingError when it is not one, or is damaged. */
export function readRecording(dir: string): Recording {
  const meta = readMeta(dir);
  const incarnations: RecordedIncarnation[] = [];
  for (const name of readdirSync(dir)) {
    const match = FILE_PATTERN.exec(name);
    if (!match) continue;
    const { entries, tornBytes, damagedAt } = decodeRecords(readFileSync(join(dir, name)));
    if (damagedAt !== undefined) throw new RecordingError(`${join(dir, name)}: damaged at byte ${damagedAt}: the record there does not decode, and a killed process leaves only a short last record (${entries.length} records before it)`);
    const complete = entries.length > 0 && entries[entries.length - 1]![0] === RecordKind.End;
    incarnations.push({ node: match[1]!, incarnation: Number(match[2]), entries, complete, tornBytes });
  }
  incarnations.sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : a.incarnation - b.incarnation));
  return { meta, incarnations };
}
