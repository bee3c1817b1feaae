// skein-io-adapter: reads a finished task's outputs from its sandbox.
/** Streams a task's declared outputs (files, or directory trees) to the master in chunks. */
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { chunkBytes } from "./frames.ts";

type Send = (header: object, payload?: Buffer) => void;

function sendFile(path: string, name: string, task: number, send: Send): void {
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.alloc(chunkBytes);
    for (;;) {
      const length = readSync(fd, buffer, 0, chunkBytes, null);
      const last = length < chunkBytes;
      send({ type: "output", task, name, last }, Buffer.from(buffer.subarray(0, length)));
      if (last) return;
    }
  } finally {
    closeSync(fd);
  }
}

function sendTree(path: string, name: string, task: number, send: Send): void {
  if (!statSync(path).isDirectory()) return sendFile(path, name, task, send);
  send({ type: "output", task, name, directory: true });
  for (const child of readdirSync(path).sort()) sendTree(join(path, child), `${name}/${child}`, task, send);
}

export function sendOutputs(sandbox: string, task: number, outputs: readonly string[], send: Send): void {
  for (const name of outputs) {
    const path = join(sandbox, name);
    if (existsSync(path)) sendTree(path, name, task, send);
  }
}
