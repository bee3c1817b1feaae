// A cluster spread over processes the way it is spread over machines: each node started on
// its own with `skein run --node X` and a cluster file or --listen/--peers (loopback, free
// ports), then `--local` with TLS; and the errors a bad cluster file gives.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { freePorts } from "@skein/net";
import { Output } from "./run-test-output.ts";

const root = new URL("../../../../", import.meta.url).pathname;
const bin = join(root, "packages/cli/bin/skein.js");
const echo = join(root, "examples/echo/scenario.ts");
const twoPhaseCommit = join(root, "examples/two-phase-commit/scenario.ts");
const tls = join(root, "packages/net/src/fixtures/tls");
const TLS_FLAGS = ["--tls-cert", join(tls, "node.crt"), "--tls-key", join(tls, "node.key"), "--tls-ca", join(tls, "ca.crt")];
/** Every process stops itself after this long, should a test fail to stop it. */
const DURATION = "120s";

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "skein-run-node-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts `skein run` with `args`; its output lines go to `out` prefixed with `[label]`. Stopped (SIGTERM) after the test. */
function start(t: TestContext, label: string, args: string[], out?: Output): { stop(): void; out: Output; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [bin, "run", ...args, "--duration", DURATION], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, SKEIN_CLUSTER_SECRET: "run-node-test" },
  });
  const output = out ?? new Output();
  output.attach(child, `[${label}] `);
  let stopping = false;
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  void exited.then((code) => {
    if (!stopping) output.abort(`${label} exited early (code ${code})`);
  });
  const stop = () => {
    stopping = true;
    child.kill("SIGTERM");
  };
  t.after(async () => {
    stop();
    await exited;
  });
  return { stop, exited, out: output };
}

/** Stops every process (SIGTERM) and expects each to exit cleanly. */
async function stopAll(processes: Array<{ stop(): void; exited: Promise<number | null> }>, out: Output) {
  for (const p of processes) p.stop();
  for (const p of processes) assert.equal(await p.exited, 0, out.lines.join("\n"));
}

test("skein run --node --cluster: echo as three separately started processes; the clients get replies", async (t) => {
  const dir = tempDir(t);
  const ids = ["server", "client1", "client2"];
  const ports = await freePorts(ids.length);
  const file = join(dir, "cluster.json");
  writeFileSync(file, JSON.stringify({ nodes: Object.fromEntries(ids.map((id, i) => [id, `127.0.0.1:${ports[i]}`])) }));
  const out = new Output();
  // clients first: they dial a server that is not up yet, and must get through once it is
  const processes = ["client1", "client2", "server"].map((id) => start(t, id, [echo, "--node", id, "--cluster", file, "--data", join(dir, "data")], out));
  await out.waitFor(new RegExp(`^\\[server\\] listening on 127\\.0\\.0\\.1:${ports[0]}$`));
  await out.waitFor(/^\[client1\] .*replies \{"count":10\}/);
  await out.waitFor(/^\[client2\] .*replies \{"count":10\}/);
  await stopAll(processes, out);
});

test("skein run --node --listen --peers: two-phase commit as four separately started processes commits", async (t) => {
  const dir = tempDir(t);
  const ids = ["coordinator", "client", "p1", "p2"];
  const ports = await freePorts(ids.length);
  const peers = ids.map((id, i) => `${id}=127.0.0.1:${ports[i]}`).join(",");
  const out = new Output();
  const processes = ids.map((id, i) => start(t, id, [twoPhaseCommit, "--nodes", "3", "--node", id, "--listen", `127.0.0.1:${ports[i]}`, "--peers", peers, "--data", join(dir, "data")], out));
  let at = -1;
  for (let i = 0; i < 2; i++) at = await out.waitFor(/^\[coordinator\] .*decided .*"commit"/, at + 1);
  await stopAll(processes, out);
});

test("skein run --local with TLS: echo over TLS, the cluster secret's handshake inside", async (t) => {
  const dir = tempDir(t);
  const { stop, exited, out } = start(t, "run", [echo, "--local", "3", "--data", join(dir, "data"), ...TLS_FLAGS]);
  await out.waitFor(/^\[run\] \[server\] listening on 127\.0\.0\.1:\d+ \(TLS\)$/);
  await out.waitFor(/^\[run\] \[client1\] .*replies \{"count":10\}/);
  await out.waitFor(/^\[run\] \[client2\] .*replies \{"count":10\}/);
  assert.ok(!out.lines.some((l) => /refused|failed authentication/.test(l)), out.lines.join("\n"));
  await stopAll([{ stop, exited }], out);
});

test("skein run --node: a bad cluster file or TLS option is a usage error naming the problem", (t) => {
  const dir = tempDir(t);
  const run = (name: string, content: unknown, extra: string[] = []) => {
    const file = join(dir, name);
    writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
    return spawnSync(process.execPath, [bin, "run", echo, "--node", "server", "--cluster", file, ...extra], { cwd: root, encoding: "utf8" });
  };
  const cases: Array<[string, unknown, RegExp, string[]?]> = [
    ["missing.json", { nodes: { server: "127.0.0.1:1", client1: "127.0.0.1:2" } }, /missing\.json: no address for node 'client2' \(nodes: server, client1, client2; --nodes changes the size\)/],
    ["self.json", { nodes: { client1: "127.0.0.1:2", client2: "127.0.0.1:3" } }, /self\.json: no address for this node, 'server'/],
    ["malformed.json", { nodes: { server: "127.0.0.1", client1: "h:2", client2: "h:3" } }, /malformed\.json: node 'server': '127\.0\.0\.1' is not host:port/],
    ["unknown.json", { nodes: { server: "h:1", client1: "h:2", client2: "h:3" }, secret: "x" }, /unknown\.json: unknown field "secret" \(allowed: nodes\)/],
    ["extra.json", { nodes: { server: "h:1", client1: "h:2", client2: "h:3", client9: "h:4" } }, /extra\.json: 'client9' is not a node of this cluster/],
    ["json.json", "{ nodes", /json\.json: not valid JSON/],
    ["tls.json", { nodes: { server: "h:1", client1: "h:2", client2: "h:3" } }, /TLS needs --tls-cert, --tls-key and --tls-ca together \(missing: --tls-key, --tls-ca\)/, ["--tls-cert", join(tls, "node.crt")]],
  ];
  for (const [name, content, pattern, extra] of cases) {
    const result = run(name, content, extra);
    assert.equal(result.status, 2, `${name}: ${result.stdout}${result.stderr}`);
    assert.match(result.stderr, pattern, name);
  }
});
