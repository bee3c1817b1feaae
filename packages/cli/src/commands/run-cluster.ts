/**
 * Where the nodes of `skein run --node` are: `--peers id=host:port,...` or a cluster file, and
 * the TLS files. Every mistake is a UsageError naming the flag or file and the bad part, and
 * addresses are checked against the scenario's cluster before anything listens, so a typo in
 * a node id fails at start rather than as "no address known" on the first message. The TLS
 * files are read by `../tls-option.ts` (shared with `skein flow` and `skein worker`).
 *
 * Cluster file (JSON; no other fields are allowed, so a misspelt one is caught):
 *   { "nodes": { "server": "10.0.0.1:7000", "client1": "10.0.0.2:7000", ... } }
 */
import { readFileSync } from "node:fs";
import type { PeerAddress } from "@skein/net";
import { UsageError } from "../command.ts";
import { parseHostPort } from "../host-port.ts";

export { parseHostPort };
export { readTls, type TlsFiles } from "../tls-option.ts";

/** The fields a cluster file may have. */
export const CLUSTER_FILE_FIELDS = ["nodes"] as const;

/** Parses `--peers id=host:port,...`. */
export function parsePeers(text: string): Record<string, PeerAddress> {
  const peers: Record<string, PeerAddress> = {};
  for (const item of text.split(",").filter((s) => s.trim())) {
    const [id, address, extra] = item.split("=");
    if (!id?.trim() || address === undefined || extra !== undefined) throw new UsageError(`--peers: '${item}' is not id=host:port`);
    if (peers[id.trim()]) throw new UsageError(`--peers: node '${id.trim()}' is given twice`);
    // peers are connected to: port 0 (a listener's "any free port") cannot name one
    peers[id.trim()] = parseHostPort(address, `--peers: node '${id.trim()}'`, { connect: true });
  }
  return peers;
}

/** Reads and checks a cluster file: every node's address. */
export function readClusterFile(file: string): Record<string, PeerAddress> {
  const where = `--cluster ${file}`;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(`${where}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${where}: not valid JSON (${(error as Error).message})`);
  }
  if (!isRecord(parsed)) throw new UsageError(`${where}: expected an object like {"nodes": {"id": "host:port"}}`);
  const unknown = Object.keys(parsed).filter((key) => !(CLUSTER_FILE_FIELDS as readonly string[]).includes(key));
  if (unknown.length) throw new UsageError(`${where}: unknown field${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k}"`).join(", ")} (allowed: ${CLUSTER_FILE_FIELDS.join(", ")})`);
  const nodes = parsed.nodes;
  if (!isRecord(nodes)) throw new UsageError(`${where}: "nodes" must be an object of node id to "host:port"`);
  if (Object.keys(nodes).length === 0) throw new UsageError(`${where}: "nodes" is empty`);
  const addresses: Record<string, PeerAddress> = {};
  for (const [id, address] of Object.entries(nodes)) {
    if (typeof address !== "string") throw new UsageError(`${where}: node '${id}': the address must be a "host:port" string, not ${JSON.stringify(address)}`);
    addresses[id] = parseHostPort(address, `${where}: node '${id}'`, { connect: true }); // each node is connected to by the others
  }
  return addresses;
}

/**
 * Checks addresses against the scenario's node ids: none unknown, none missing (this node may
 * be missing from `--peers`, which lists the others). `source` names where they came from.
 */
export function checkAddresses(addresses: Record<string, PeerAddress>, clusterIds: readonly string[], self: string, source: string): void {
  const known = new Set(clusterIds);
  const unknown = Object.keys(addresses).filter((id) => !known.has(id));
  if (unknown.length) throw new UsageError(`${source}: ${unknown.map((id) => `'${id}'`).join(", ")} ${unknown.length > 1 ? "are not nodes" : "is not a node"} of this cluster (nodes: ${clusterIds.join(", ")}; --nodes changes the size)`);
  const missing = clusterIds.filter((id) => id !== self && !addresses[id]);
  if (missing.length) throw new UsageError(`${source}: no address for node${missing.length > 1 ? "s" : ""} ${missing.map((id) => `'${id}'`).join(", ")} (nodes: ${clusterIds.join(", ")}; --nodes changes the size)`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
