// skein-io-adapter: reads a finished task's outputs from its sandbox.
/** Streams a task's declared outputs (files, or directory trees) to the master in chunks. */
import { readdirSync, readFileSync, type Stats, statSync } from "node:fs";
import { join } from "node:path";
import { forEachChunk } from "./file-chunks.ts";
import { chunkBytes } from "./frames.ts";

type Send = (header: object, payload?: Buffer) => void;

function sendFile(path: string, size: number, name: string, task: number, send: Send): void {
  if (size === 0) return send({ type: "output", task, name, last: true }, Buffer.alloc(0));
  if (size < chunkBytes) {
    const bytes = readFileSync(path);
    if (bytes.length < chunkBytes) return send({ type: "output", task, name, last: true }, bytes);
  }
  forEachChunk(path, (chunk, last) => send({ type: "output", task, name, last }, chunk));
}

function sendTree(path: string, stat: Stats, name: string, task: number, send: Send): void {
  if (!stat.isDirectory()) return sendFile(path, stat.size, name, task, send);
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
