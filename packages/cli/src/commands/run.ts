import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { CLUSTER_SECRET_ENV, freePorts, launchLocal, RECORDING_FORMAT_VERSION, runNodeProcess, writeRecordingMeta } from "@skein/net";
import type { ScenarioParams } from "@skein/sim";
import { type Command, UsageError } from "../command.ts";
import { directoryOption } from "../directory-option.ts";
import { parseDurationMs } from "../duration.ts";
import { loadScenario } from "../sim/load-scenario.ts";
import { checkAddresses, parseHostPort, parsePeers, readClusterFile, readTls } from "./run-cluster.ts";

const usage = `usage: skein run <scenario.ts> --local N [options]
       skein run <scenario.ts> --node ID --listen HOST:PORT --peers ID=HOST:PORT,... [options]
       skein run <scenario.ts> --node ID --cluster FILE [--listen HOST:PORT] [options]

Runs a scenario's cluster as real processes talking TCP. The scenario's cluster(params)
decides the node ids and services; the same code runs in the simulator.

  --local N              start every node of cluster({ nodes: N }) as a process on 127.0.0.1,
                         print their addresses, stream their logs with [node] prefixes, stop
                         them all on Ctrl-C / SIGTERM
  --node ID              run only node ID (one machine of a cluster)
  --listen HOST:PORT     with --node: where this node listens (default with --cluster: its
                         address in the file; e.g. 0.0.0.0:7000 to listen on every interface)
  --peers LIST           with --node: id=host:port of the other nodes, comma-separated
  --cluster FILE         with --node: JSON {"nodes": {"id": "host:port", ...}}, every node of
                         the cluster (this one too), instead of --peers
  --nodes N              with --node: the cluster size passed to the scenario (default: its own)
  --seed N               passed to the scenario's cluster() (default 1)
  --data DIR             durable storage, one subdirectory per node (default .skein/run/<scenario>)
  --record DIR           record every node's nondeterministic inputs for \`skein replay\`
  --checkpoint-every D   with --record: checkpoint the state of services that can serialise it
                         at the first quiescent moment every D (default 1s; 0 = never)
  --duration D           stop after D (e.g. 10s; default: run until stopped)
  --restart-after D      with --local: restart a node that dies, after D (a supervisor)
  --tls-cert FILE        TLS between the nodes (all three flags, PEM): this node's certificate,
  --tls-key FILE         its private key, and the CA that signed every node's certificate;
  --tls-ca FILE          a peer without TLS or with a certificate from another CA is refused
  -v, --verbose          print debug log lines too

The cluster secret comes from ${CLUSTER_SECRET_ENV}; --local makes a fresh one when it is unset.
With TLS the secret's handshake still runs, inside TLS.`;

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
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  "tls-ca": { type: "string" },
  verbose: { type: "boolean", short: "v" },
} as const;

function positiveInteger(text: string, flag: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`${flag}: '${text}' is not a positive integer`);
  return Number(text);
}

type Values = { [K in keyof typeof flags]?: (typeof flags)[K]["type"] extends "boolean" ? boolean : string };

async function runLocal(file: string, v: Values): Promise<number> {
  const scenario = await loadScenario(file);
  const nodes = positiveInteger(v.local!, "--local");
  const seed = v.seed === undefined ? 1 : positiveInteger(v.seed, "--seed");
  const params: ScenarioParams = { nodes, seed, untilMs: scenario.untilMs ?? 10_000 };
  const tlsFiles = { cert: v["tls-cert"], key: v["tls-key"], ca: v["tls-ca"] };
  readTls(tlsFiles); // fail here, once, rather than in every node
  const ids = Object.keys(scenario.cluster(params));
  const ports = await freePorts(ids.length);
  const peers = ids.map((id, i) => `${id}=127.0.0.1:${ports[i]}`).join(",");
  const dataDir = directoryOption(resolve(v.data ?? join(".skein", "run", scenario.name)), "--data");
  if (v.record) writeRecordingMeta(directoryOption(v.record, "--record"), { format: RECORDING_FORMAT_VERSION, scenario: resolve(file), params, nodes: ids });
  const bin = new URL("../../bin/skein.js", import.meta.url).pathname;
  const common = ["--nodes", String(nodes), "--seed", String(seed), "--data", dataDir, "--peers", peers];
  if (v.record) common.push("--record", resolve(v.record));
  if (v["checkpoint-every"] !== undefined) common.push("--checkpoint-every", v["checkpoint-every"]);
  if (v.verbose) common.push("--verbose");
  for (const [name, path] of Object.entries(tlsFiles)) if (path !== undefined) common.push(`--tls-${name}`, resolve(path));
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
  if (v.cluster && v.peers) throw new UsageError("give --peers or --cluster, not both");
  if (!v.peers && !v.cluster) throw new UsageError("--node needs --cluster FILE or --listen HOST:PORT --peers ID=HOST:PORT,...");
  if (!v.cluster && !v.listen) throw new UsageError("--node with --peers needs --listen HOST:PORT");
  const all = v.cluster ? readClusterFile(v.cluster) : parsePeers(v.peers!);
  const tls = readTls({ cert: v["tls-cert"], key: v["tls-key"], ca: v["tls-ca"] });
  const nodes = v.nodes === undefined ? (scenario.nodes ?? 3) : positiveInteger(v.nodes, "--nodes");
  const seed = v.seed === undefined ? 1 : positiveInteger(v.seed, "--seed");
  const params: ScenarioParams = { nodes, seed, untilMs: scenario.untilMs ?? 10_000 };
  const cluster = scenario.cluster(params);
  const services = cluster[id];
  if (!services) throw new UsageError(`node '${id}' is not in the cluster of ${scenario.name} (nodes: ${Object.keys(cluster).join(", ")})`);
  if (v.cluster && !all[id]) throw new UsageError(`--cluster ${v.cluster}: no address for this node, '${id}'`);
  checkAddresses(all, Object.keys(cluster), id, v.cluster ? `--cluster ${v.cluster}` : "--peers");
  const listen = v.listen ? parseHostPort(v.listen, "--listen") : all[id]!;
  const peers = Object.fromEntries(Object.entries(all).filter(([peer]) => peer !== id));
  const dataDir = directoryOption(join(resolve(v.data ?? join(".skein", "run", scenario.name)), id), "--data");
  if (v.record) {
    directoryOption(v.record, "--record");
    try {
      readFileSync(join(v.record, "meta.json"));
    } catch {
      writeRecordingMeta(v.record, { format: RECORDING_FORMAT_VERSION, scenario: resolve(file), params, nodes: Object.keys(cluster) });
    }
  }
  return runNodeProcess({
    id,
    services,
    listen,
    peers,
    dataDir,
    recordDir: v.record ? resolve(v.record) : undefined,
    checkpointEveryMs: v["checkpoint-every"] === undefined ? undefined : parseDurationMs(v["checkpoint-every"], "--checkpoint-every"),
    durationMs: v.duration === undefined ? undefined : parseDurationMs(v.duration, "--duration"),
    verbose: v.verbose,
    tls,
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
