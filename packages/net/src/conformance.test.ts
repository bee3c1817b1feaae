// The shared runtime and storage conformance suites, run against the TCP runtime: every node
// a real NetNode on 127.0.0.1 (OS-chosen ports) with file storage in a temporary directory.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServiceFactory } from "@skein/core";
import { type RuntimeHarness, runtimeConformance, storageConformance } from "@skein/testkit";
import { FileStorage } from "./file-storage.ts";
import { NetNode } from "./net-node.ts";

/** Links tuned for a test: a dead peer is given up on after two quick attempts. */
const FAST_LINKS = { connectAttemptsMax: 2, connectTimeoutMs: 1_000, backoff: { initialMs: 5, factor: 2, maxMs: 20 } };
const POLL_MS = 2;

function netHarness(): RuntimeHarness {
  const dir = mkdtempSync(join(tmpdir(), "skein-net-conformance-"));
  const nodes = new Map<string, NetNode>();
  const addresses = () => Object.fromEntries([...nodes].map(([id, node]) => [id, node.address!]));
  return {
    name: "net",
    realTime: true,
    async addNode(id: string, services: Record<string, ServiceFactory>) {
      const node = new NetNode({ id, secret: "conformance", dataDir: join(dir, id), onLog: () => {}, ...FAST_LINKS });
      for (const [name, factory] of Object.entries(services)) node.addService(name, factory);
      node.setPeers(addresses());
      nodes.set(id, node);
      await node.start();
      for (const other of nodes.values()) other.setPeers(addresses());
    },
    async crash(id: string) {
      nodes.get(id)!.crash();
    },
    async restart(id: string) {
      await nodes.get(id)!.start();
    },
    async until(condition: () => boolean, timeoutMs: number, what: string) {
      const deadline = performance.now() + timeoutMs;
      while (!condition()) {
        if (performance.now() > deadline) throw new Error(`net: ${what} did not happen within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    },
    async run(durationMs: number) {
      await new Promise((resolve) => setTimeout(resolve, durationMs));
    },
    async close() {
      for (const node of nodes.values()) node.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

runtimeConformance("net", async () => netHarness());

storageConformance("file", () => {
  const dir = mkdtempSync(join(tmpdir(), "skein-file-storage-"));
  let current = new FileStorage(dir);
  return {
    storage: current,
    reopen: () => {
      current.close();
      current = new FileStorage(dir);
      return current;
    },
    dispose: () => {
      current.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
