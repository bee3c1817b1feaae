/**
 * Durable node storage on the local disk: one append-only file of operations (put, delete,
 * append), replayed into memory when the node starts and compacted into a fresh file now and
 * then. Every operation is handed to the OS at once (`writeSync`), so a killed process (even
 * `kill -9`) loses nothing the OS holds; `sync()` is a real `fsync`, which is what survives a
 * power failure. Each record is `[u32 length][u32 crc32][msgpack op]`; recovery stops at the
 * first torn or corrupt record and truncates the file there — everything before it is intact.
 *
 * The alternative, a key/value store file rewritten in place, would need its own crash-safe
 * update protocol; an append-only log with whole-file compaction (write, fsync, rename) is the
 * simplest thing that is correct.
 */
import { closeSync, existsSync, fsync, fsyncSync, ftruncateSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { MessageError, type Storage } from "@skein/core";
import { pack, unpack } from "./codec.ts";
import { makeDirectories } from "./make-directories.ts";

/** Largest single stored value (encoded); bigger writes throw MessageError. */
export const STORAGE_RECORD_BYTES_MAX = 64 * 1024 * 1024;
/** The file is compacted when it exceeds this size and twice its size after the last compaction. */
export const STORAGE_COMPACT_BYTES_MIN = 4 * 1024 * 1024;

const RECORD_HEADER_BYTES = 8;
const FILE_NAME = "storage.log";

type Op = ["p", string, unknown] | ["d", string] | ["a", unknown];

function copy<T>(value: T): T {
  return value === undefined ? value : structuredClone(value);
}

export class FileStorage implements Storage {
  private readonly map = new Map<string, unknown>();
  private readonly log: unknown[] = [];
  private fd: number;
  private fileBytes = 0;
  private compactedBytes = 0;
  /** Bytes cut off a torn or corrupt tail at open (0 for a clean file). */
  readonly recoveredTruncatedBytes: number;

  /** Opens (creating if needed) the storage in directory `dir`. */
  constructor(readonly dir: string) {
    makeDirectories(dir);
    const path = join(dir, FILE_NAME);
    const data = existsSync(path) ? readFileSync(path) : Buffer.alloc(0);
    const valid = this.replay(data);
    this.fd = openSync(path, "a+");
    this.recoveredTruncatedBytes = data.length - valid;
    if (valid < data.length) ftruncateSync(this.fd, valid);
    this.fileBytes = this.compactedBytes = valid;
  }

  /** Applies every intact record of `data`; returns the length of the intact prefix. */
  private replay(data: Buffer): number {
    let offset = 0;
    while (data.length - offset >= RECORD_HEADER_BYTES) {
      const length = data.readUInt32BE(offset);
      const end = offset + RECORD_HEADER_BYTES + length;
      if (length > STORAGE_RECORD_BYTES_MAX || end > data.length) break;
      const body = data.subarray(offset + RECORD_HEADER_BYTES, end);
      if (crc32(body) !== data.readUInt32BE(offset + 4)) break;
      let op: Op;
      try {
        op = unpack(body) as Op;
      } catch {
        break;
      }
      this.apply(op);
      offset = end;
    }
    return offset;
  }

  private apply(op: Op): void {
    if (op[0] === "p") this.map.set(op[1], op[2]);
    else if (op[0] === "d") this.map.delete(op[1]);
    else if (op[0] === "a") this.log.push(op[1]);
  }

  private write(op: Op): void {
    const body = pack(op);
    if (body.length > STORAGE_RECORD_BYTES_MAX) throw new MessageError(`stored value of ${body.length} bytes exceeds ${STORAGE_RECORD_BYTES_MAX}`);
    const record = encodeRecord(body);
    writeSync(this.fd, record);
    this.fileBytes += record.length;
  }

  get<T = unknown>(key: string): T | undefined {
    return copy(this.map.get(key)) as T | undefined;
  }

  put(key: string, value: unknown): void {
    const stored = copy(value);
    this.write(["p", key, stored]);
    this.map.set(key, stored);
  }

  delete(key: string): void {
    if (!this.map.has(key)) return;
    this.write(["d", key]);
    this.map.delete(key);
  }

  keys(prefix = ""): string[] {
    const out: string[] = [];
    for (const key of this.map.keys()) if (key.startsWith(prefix)) out.push(key);
    return out.sort();
  }

  append(record: unknown): number {
    const stored = copy(record);
    this.write(["a", stored]);
    this.log.push(stored);
    return this.log.length - 1;
  }

  records<T = unknown>(): T[] {
    return this.log.map((r) => copy(r)) as T[];
  }

  get length(): number {
    return this.log.length;
  }

  /** Resolves once every earlier write is on disk (fsync); compacts the file when it has grown. */
  sync(): Promise<void> {
    if (this.fileBytes > STORAGE_COMPACT_BYTES_MIN && this.fileBytes > 2 * this.compactedBytes) this.compact();
    const fd = this.fd;
    return new Promise((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));
  }

  /** The whole state, for a recording's start snapshot. */
  snapshot(): { map: Array<[string, unknown]>; log: unknown[] } {
    return { map: [...this.map.entries()].map(([k, v]) => [k, copy(v)]), log: this.records() };
  }

  /** Rewrites the file as puts and appends of the current state: write, fsync, rename. */
  private compact(): void {
    const path = join(this.dir, FILE_NAME);
    const temporary = `${path}.compact`;
    const fd = openSync(temporary, "w");
    let bytes = 0;
    const put = (op: Op) => {
      const record = encodeRecord(pack(op));
      writeSync(fd, record);
      bytes += record.length;
    };
    for (const [key, value] of this.map) put(["p", key, value]);
    for (const record of this.log) put(["a", record]);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temporary, path);
    const dirFd = openSync(this.dir, "r");
    fsyncSync(dirFd);
    closeSync(dirFd);
    closeSync(this.fd);
    this.fd = openSync(path, "a+");
    this.fileBytes = this.compactedBytes = bytes;
  }

  /** Closes the file (the node stopped or crashed); the object is unusable afterwards. */
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

function encodeRecord(body: Buffer): Buffer {
  const record = Buffer.allocUnsafe(RECORD_HEADER_BYTES + body.length);
  record.writeUInt32BE(body.length, 0);
  record.writeUInt32BE(crc32(body), 4);
  body.copy(record, RECORD_HEADER_BYTES);
  return record;
}
