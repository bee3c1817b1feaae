import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { CLUSTER_SECRET_ENV, freePorts, launchLocal, type PeerAddress, RECORDING_FORMAT_VERSION, runNodeProcess, writeRecordingMeta } from "@skein/net";
import type { ScenarioParams } from "@skein/sim";
import { type Command, UsageError } from "../command.ts";
import { parseDurationMs } from "../duration.ts";
import { loadScenario } from "../sim/load-scenario.ts";

const usage = `usage: skein run <scenario.ts> --local N [options]
       skein run <scenario.ts> --node ID --listen HOST:PORT (--peers ID=HOST:PORT,... | --cluster FILE) [options]

Runs a scenario's cluster as real processes talking TCP. The scenario's cluster(params)
decides the node ids and services; the same code runs in the simulator.

  --local N              start every node of cluster({ nodes: N }) as a process on 127.0.0.1,
                         print their addresses, stream their logs with [node] prefixes, stop
                         them all on Ctrl-C / SIGTERM
  --node ID              run only node ID (one machine of a cluster)
  --listen HOST:PORT     with --node: where this node listens
  --peers LIST           with --node: id=host:port of the other nodes, comma-separated
  --cluster FILE         with --node: JSON {"nodes": {"id": "host:port", ...}} instead of --peers
  --nodes N              with --node: the cluster size passed to the scenario (default: its own)
  --seed N               passed to the scenario's cluster() (default 1)
  --data DIR             durable storage, one subdirectory per node (default .skein/run/<scenario>)
  --record DIR           record every node's nondeterministic inputs for \`skein replay\`
  --checkpoint-every D   with --record: checkpoint the state of services that can serialise it
                         at the first quiescent moment every D (default 1s; 0 = never)
  --duration D           stop after D (e.g. 10s; default: run until stopped)
  --restart-after D      with --local: restart a node that dies, after D (a supervisor)
  -v, --verbose          print debug log lines too

The cluster secret comes from ${CLUSTER_SECRET_ENV}; --local makes a fresh one when it is unset.`;

const flags = {
  local: { type: "string" },
  node: { type: "string" },
  listen: { type: "string" },
  peers: { type: "string" },
  cluster: { type: "string" },
  nodes: { type: "string" },
  seed: { type: "string" },
  data: { type: "string" },
  record: { type: "string" },
  "checkpoint-every": { type: "string" },
  duration: { type: "string" },
  "restart-after": { type: "string" },
  verbose: { type: "boolean", short: "v" },
} as const;

function positiveInteger(text: string, flag: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`${flag}: '${text}' is not a positive integer`);
  return Number(text);
}

function hostPort(text: string, flag: string): PeerAddress {
  const match = /^(.+):(\d{1,5})$/.exec(text.trim());
  if (!match || Number(match[2]) > 65535) throw new UsageError(`${flag}: '${text}' is not host:port`);
  return { host: match[1]!, port: Number(match[2]) };
}

function parsePeers(text: string): Record<string, PeerAddress> {
  const peers: Record<string, PeerAddress> = {};
  for (const item of text.split(",").filter(Boolean)) {
    const [id, address] = item.split("=");
    if (!id || !address) throw new UsageError(`--peers: '${item}' is not id=host:port`);
    peers[id] = hostPort(address, "--peers");
  }
  return peers;
}

function readClusterFile(file: string): Record<string, PeerAddress> {
  const parsed = JSON.parse(readFileSync(file, "utf8")) as { nodes?: Record<string, string> };
  if (typeof parsed.nodes !== "object" || parsed.nodes === null) throw new UsageError(`--cluster: ${file} has no "nodes" object`);
  return Object.fromEntries(Object.entries(parsed.nodes).map(([id, address]) => [id, hostPort(address, "--cluster")]));
}

type Values = { [K in keyof typeof flags]?: (typeof flags)[K]["type"] extends "boolean" ? boolean : string };

async function runLocal(file: string, v: Values): Promise<number> {
  const scenario = await loadScenario(file);
  const nodes = positiveInteger(v.local!, "--local");
  const seed = v.seed === undefined ? 1 : positiveInteger(v.seed, "--seed");
  const params: ScenarioParams = { nodes, seed, untilMs: scenario.untilMs ?? 10_000 };
  const ids = Object.keys(scenario.cluster(params));
  const ports = await freePorts(ids.length);
  const peers = ids.map((id, i) => `${id}=127.0.0.1:${ports[i]}`).join(",");
  const dataDir = resolve(v.data ?? join(".skein", "run", scenario.name));
  if (v.record) writeRecordingMeta(v.record, { format: RECORDING_FORMAT_VERSION, scenario: resolve(file), params, nodes: ids });
  const bin = new URL("../../bin/skein.js", import.meta.url).pathname;
  const common = ["--nodes", String(nodes), "--seed", String(seed), "--data", dataDir, "--peers", peers];
  if (v.record) common.push("--record", resolve(v.record));
  if (v["checkpoint-every"] !== undefined) common.push("--checkpoint-every", v["checkpoint-every"]);
  if (v.verbose) common.push("--verbose");
  for (const [i, id] of ids.entries()) console.log(`node ${id} at 127.0.0.1:${ports[i]}`);
  const env = { ...process.env, [CLUSTER_SECRET_ENV]: process.env[CLUSTER_SECRET_ENV] || randomBytes(16).toString("hex") };
  return launchLocal({
    nodes: ids.map((id, i) => ({ id, argv: [bin, "run", resolve(file), "--node", id, "--listen", `127.0.0.1:${ports[i]}`, ...common] })),
    env,
    durationMs: v.duration === undefined ? undefined : parseDurationMs(v.duration, "--duration"),
    restartAfterMs: v["restart-after"] === undefined ? undefined : parseDurationMs(v["restart-after"], "--restart-after"),
  });
}

async function runNode(file: string, v: Values): Promise<number> {
  const scenario = await loadScenario(file);
  const id = v.node!;
  if (!v.listen) throw new UsageError("--node needs --listen HOST:PORT");
  if (!v.peers && !v.cluster) throw new UsageError("--node needs --peers or --cluster");
  const all = v.cluster ? readClusterFile(v.cluster) : parsePeers(v.peers!);
  const peers = Object.fromEntries(Object.entries(all).filter(([peer]) => peer !== id));
  const nodes = v.nodes === undefined ? (scenario.nodes ?? 3) : positiveInteger(v.nodes, "--nodes");
  const seed = v.seed === undefined ? 1 : positiveInteger(v.seed, "--seed");
  const params: ScenarioParams = { nodes, seed, untilMs: scenario.untilMs ?? 10_000 };
  const cluster = scenario.cluster(params);
  const services = cluster[id];
  if (!services) throw new UsageError(`node '${id}' is not in the cluster of ${scenario.name} (nodes: ${Object.keys(cluster).join(", ")})`);
  if (v.record) {
    try {
      readFileSync(join(v.record, "meta.json"));
    } catch {
      writeRecordingMeta(v.record, { format: RECORDING_FORMAT_VERSION, scenario: resolve(file), params, nodes: Object.keys(cluster) });
    }
  }
  return runNodeProcess({
    id,
    services,
    listen: hostPort(v.listen, "--listen"),
    peers,
    dataDir: join(resolve(v.data ?? join(".skein", "run", scenario.name)), id),
    recordDir: v.record ? resolve(v.record) : undefined,
    checkpointEveryMs: v["checkpoint-every"] === undefined ? undefined : parseDurationMs(v["checkpoint-every"], "--checkpoint-every"),
    durationMs: v.duration === undefined ? undefined : parseDurationMs(v.duration, "--duration"),
    verbose: v.verbose,
  });
}

export const runCommand: Command = {
  name: "run",
  summary: "run a scenario's nodes as real processes over TCP",
  usage,
  async run(argv) {
    let parsed: { values: Values; positionals: string[] };
    try {
      parsed = parseArgs({ args: argv, options: flags, allowPositionals: true }) as { values: Values; positionals: string[] };
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const { values, positionals } = parsed;
    if (positionals.length !== 1) throw new UsageError("expected one scenario file");
    if ((values.local === undefined) === (values.node === undefined)) throw new UsageError("give exactly one of --local N or --node ID");
    return values.local !== undefined ? runLocal(positionals[0]!, values) : runNode(positionals[0]!, values);
  },
};
