// skein-io-adapter: reads a finished task's outputs from its sandbox.
/**
 * A task's declared outputs (files, or directory trees) go back to the master one of two ways.
 * Small ones — at most `inlineOutputBytesMax` bytes in `inlineOutputEntriesMax` entries, which
 * covers most tasks of a large workflow — travel inside the result frame itself
 * (`packOutputs`), so a task costs one frame and the master stores them with one write each.
 * Larger ones stream in `output` frames of at most `chunkBytes` before the result
 * (`sendOutputs`). Streaming everything would cost a frame, a promise and an append per file
 * even for the empty file a `touch` makes. Each file goes with its permission bits
 * (`file-modes.ts`), so an output made executable here is executable on the master.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync, type Stats, statSync } from "node:fs";
import { join } from "node:path";
import { forEachChunk } from "./file-chunks.ts";
import { shippedMode } from "./file-modes.ts";
import { chunkBytes } from "./frames.ts";

/** Output bytes of one task that may travel inside its result frame. */
export const inlineOutputBytesMax = 64 * 1024;
/** Output entries (files and directories) of one task that may travel inside its result frame. */
export const inlineOutputEntriesMax = 64;

/** One output carried in a result frame; file bytes follow each other in its payload. */
export interface InlineOutput {
  readonly name: string;
  /** Bytes of the payload this file takes; absent for a directory. */
  readonly bytes?: number;
  /** A file's permission bits (`mode & 0o777`); absent for a directory. */
  readonly mode?: number;
  readonly directory?: true;
}

export interface PackedOutputs {
  readonly entries: InlineOutput[];
  readonly payload: Buffer;
  /** Declared outputs the command did not create. */
  readonly missing: string[];
}

type Send = (header: object, payload?: Buffer) => void;

function sendFile(path: string, stat: Stats, name: string, task: number, send: Send): void {
  const mode = shippedMode(stat);
  if (stat.size === 0) return send({ type: "output", task, name, mode, last: true }, Buffer.alloc(0));
  if (stat.size < chunkBytes) {
    const bytes = readFileSync(path);
    if (bytes.length < chunkBytes) return send({ type: "output", task, name, mode, last: true }, bytes);
  }
  forEachChunk(path, (chunk, last) => send({ type: "output", task, name, mode, last }, chunk));
}

function sendTree(path: string, stat: Stats, name: string, task: number, send: Send): void {
  if (!stat.isDirectory()) return sendFile(path, stat, name, task, send);
  send({ type: "output", task, name, directory: true });
  for (const child of readdirSync(path).sort()) sendTree(join(path, child), statSync(join(path, child)), `${name}/${child}`, task, send);
}

/** Sends the declared outputs that exist; returns the names of those that do not. */
export function sendOutputs(sandbox: string, task: number, outputs: readonly string[], send: Send): string[] {
  const missing: string[] = [];
  for (const name of outputs) {
    const path = join(sandbox, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat) sendTree(path, stat, name, task, send);
    else missing.push(name);
  }
  return missing;
}

interface Listed {
  readonly name: string;
  readonly path: string;
  readonly size: number;
  readonly mode: number;
  readonly directory: boolean;
}

/** Lists a tree into `listed`; false once it passes the inline limits. */
function listTree(path: string, stat: Stats, name: string, listed: Listed[], bytes: { total: number }): boolean {
  const directory = stat.isDirectory();
  listed.push({ name, path, size: directory ? 0 : stat.size, mode: shippedMode(stat), directory });
  bytes.total += directory ? 0 : stat.size;
  if (listed.length > inlineOutputEntriesMax || bytes.total > inlineOutputBytesMax) return false;
  if (!directory) return true;
  for (const child of readdirSync(path).sort()) {
    if (!listTree(join(path, child), statSync(join(path, child)), `${name}/${child}`, listed, bytes)) return false;
  }
  return true;
}

/** The file's bytes, or undefined if it no longer has the size it was listed with (or passes `limit`). */
function readSmall(path: string, size: number, limit: number): Buffer | undefined {
  if (size === 0) return Buffer.alloc(0);
  if (size > limit) return undefined;
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.allocUnsafe(size + 1); // one byte more shows that it grew
    let length = 0;
    for (let read = -1; read !== 0 && length <= size; length += read) read = readSync(fd, buffer, length, size + 1 - length, null);
    return length === size ? buffer.subarray(0, length) : undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * The declared outputs packed for the result frame, or undefined when they pass the inline
 * limits (the caller streams them with `sendOutputs` instead).
 */
export function packOutputs(sandbox: string, outputs: readonly string[]): PackedOutputs | undefined {
  const missing: string[] = [];
  const listed: Listed[] = [];
  const bytes = { total: 0 };
  for (const name of outputs) {
    const path = join(sandbox, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) missing.push(name);
    else if (!listTree(path, stat, name, listed, bytes)) return undefined;
  }
  const entries: InlineOutput[] = [];
  const chunks: Buffer[] = [];
  let room = inlineOutputBytesMax;
  for (const { name, path, size, mode, directory } of listed) {
    if (directory) {
      entries.push({ name, directory: true });
      continue;
    }
    const content = readSmall(path, size, room);
    if (!content) return undefined;
    room -= content.length;
    entries.push({ name, bytes: content.length, mode });
    if (content.length > 0) chunks.push(content);
  }
  return { entries, payload: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), missing };
}
