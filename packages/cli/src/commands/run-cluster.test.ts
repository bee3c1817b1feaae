import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { UsageError } from "../command.ts";
import { checkAddresses, parseHostPort, parsePeers, readClusterFile, readTls } from "./run-cluster.ts";

const dir = mkdtempSync(join(tmpdir(), "skein-run-cluster-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `content` as a cluster file and reads it back. */
function clusterFile(name: string, content: string) {
  const file = join(dir, name);
  writeFileSync(file, content);
  return () => readClusterFile(file);
}

/** Asserts a UsageError whose message matches every pattern. */
function usageError(fn: () => unknown, ...patterns: RegExp[]) {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof UsageError, String(error));
    for (const pattern of patterns) assert.match(error.message, pattern);
    return true;
  });
}

test("run cluster: host:port, with IPv6 in brackets", () => {
  assert.deepEqual(parseHostPort("10.0.0.1:7000", "x"), { host: "10.0.0.1", port: 7000 });
  assert.deepEqual(parseHostPort("[::1]:7000", "x"), { host: "::1", port: 7000 });
  assert.deepEqual(parseHostPort("node-a.example:1", "x"), { host: "node-a.example", port: 1 });
  for (const bad of ["10.0.0.1", "10.0.0.1:", ":7000", "h:70000", "h:port", "::1:7000", "a b:1"]) usageError(() => parseHostPort(bad, "--listen"), /^--listen: /, /is not host:port/);
});

test("run cluster: --peers id=host:port,...", () => {
  assert.deepEqual(parsePeers("a=127.0.0.1:1,b=127.0.0.1:2"), { a: { host: "127.0.0.1", port: 1 }, b: { host: "127.0.0.1", port: 2 } });
  usageError(() => parsePeers("a=127.0.0.1"), /--peers: node 'a'/, /not host:port/);
  usageError(() => parsePeers("a127.0.0.1:1"), /'a127\.0\.0\.1:1' is not id=host:port/);
  usageError(() => parsePeers("a=h:1,a=h:2"), /node 'a' is given twice/);
  usageError(() => parsePeers("a=127.0.0.1:0"), /--peers: node 'a': '127\.0\.0\.1:0' is not host:port \(the port must be 1 to 65535\)/);
});

test("run cluster: a good cluster file", () => {
  const read = clusterFile("good.json", JSON.stringify({ nodes: { server: "127.0.0.1:7000", client1: "localhost:7001" } }));
  assert.deepEqual(read(), { server: { host: "127.0.0.1", port: 7000 }, client1: { host: "localhost", port: 7001 } });
});

test("run cluster: a bad cluster file names the file and the problem", () => {
  usageError(() => readClusterFile(join(dir, "absent.json")), /absent\.json: cannot read it \(ENOENT\)/);
  usageError(clusterFile("syntax.json", "{ nodes: "), /syntax\.json: not valid JSON/);
  usageError(clusterFile("array.json", "[]"), /array\.json: expected an object/);
  usageError(clusterFile("unknown.json", JSON.stringify({ nodes: { a: "h:1" }, node: {}, tls: {} })), /unknown\.json: unknown fields "node", "tls" \(allowed: nodes\)/);
  usageError(clusterFile("no-nodes.json", "{}"), /"nodes" must be an object/);
  usageError(clusterFile("empty.json", JSON.stringify({ nodes: {} })), /"nodes" is empty/);
  usageError(clusterFile("address.json", JSON.stringify({ nodes: { a: "h:1", b: "10.0.0.2" } })), /address\.json: node 'b': '10\.0\.0\.2' is not host:port/);
  usageError(clusterFile("port-0.json", JSON.stringify({ nodes: { a: "h:1", b: "h:0" } })), /port-0\.json: node 'b': 'h:0' is not host:port \(the port must be 1 to 65535\)/);
  usageError(clusterFile("number.json", JSON.stringify({ nodes: { a: 7000 } })), /node 'a': the address must be a "host:port" string, not 7000/);
});

test("run cluster: addresses must cover the scenario's nodes, and only those", () => {
  const at = (port: number) => ({ host: "127.0.0.1", port });
  const ids = ["server", "client1", "client2"];
  checkAddresses({ server: at(1), client1: at(2), client2: at(3) }, ids, "server", "f");
  checkAddresses({ client1: at(2), client2: at(3) }, ids, "server", "--peers"); // --peers may omit this node
  usageError(() => checkAddresses({ server: at(1), client1: at(2) }, ids, "server", "--cluster f"), /^--cluster f: no address for node 'client2' \(nodes: server, client1, client2; --nodes changes the size\)/);
  usageError(() => checkAddresses({ server: at(1), client1: at(2), client2: at(3), client3: at(4) }, ids, "server", "--cluster f"), /'client3' is not a node of this cluster/, /--nodes/);
});

test("run cluster: TLS needs all three files, and readable ones", () => {
  assert.equal(readTls({}), undefined);
  usageError(() => readTls({ cert: "c.pem" }), /missing: --tls-key, --tls-ca/);
  usageError(() => readTls({ cert: join(dir, "c.pem"), key: join(dir, "k.pem"), ca: join(dir, "ca.pem") }), /--tls-cert: cannot read .*c\.pem \(ENOENT\)/);
  const fixtures = new URL("../../../net/src/fixtures/tls/", import.meta.url).pathname;
  const tls = readTls({ cert: join(fixtures, "node.crt"), key: join(fixtures, "node.key"), ca: join(fixtures, "ca.crt") });
  assert.match(String(tls?.cert), /BEGIN CERTIFICATE/);
});
