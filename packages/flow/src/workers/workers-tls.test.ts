import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { runFlow } from "../run/run-flow.ts";
import type { Output, RunInit } from "../run/run-options.ts";
import { startWorker, type WorkerEnd, type WorkerInit } from "./worker.ts";
import { temporaryDirectories } from "../../test/temporary.ts";

// net's test certificates: node.crt is signed by ca.crt, rogue.crt by another CA
const fixtures = new URL("../../../net/src/fixtures/tls/", import.meta.url).pathname;
const pem = (name: string) => readFileSync(join(fixtures, name));
const good = { cert: pem("node.crt"), key: pem("node.key"), ca: pem("ca.crt") };
const rogue = { cert: pem("rogue.crt"), key: pem("rogue.key"), ca: pem("ca.crt") };

const clock = realClock();
const temporary = temporaryDirectories("skein-workers-tls-");

/** A master with TLS; `startWorkers` runs once it listens. */
async function tlsMaster(root: string, init: Partial<RunInit>, startWorkers: (port: number) => void): Promise<{ code: number; err: string }> {
  let err = "";
  const output: Output = { out: () => {}, err: (t) => (err += t) };
  const run = { file: join(root, "w.mf"), target: "workers", port: 0, jobs: 1, progress: false, environment: {}, tls: good, onListening: startWorkers, ...init } as const;
  const code = await runFlow(run, { clock, random: Math.random, output });
  return { code, err };
}

const worker = (port: number, init: Partial<WorkerInit>) => startWorker({ host: "127.0.0.1", port, workDirectory: temporary(), ...init }, { clock });

test("workers over TLS: inputs and outputs cross, and workers without TLS or with another CA's certificate are refused with the reason", async () => {
  const root = temporary();
  writeFileSync(join(root, "in.txt"), "over tls\n");
  writeFileSync(join(root, "w.mf"), "out: in.txt\n\ttr a-z A-Z < in.txt > out\n");
  const ends: Array<Promise<WorkerEnd>> = [];
  const result = await tlsMaster(root, { passwordFile: undefined }, (port) => {
    const plain = worker(port, {}).end;
    const untrusted = worker(port, { tls: rogue }).end;
    ends.push(plain, untrusted);
    // the real one comes after both were turned away, so it is the one that runs the rule
    void Promise.all([plain, untrusted]).then(() => worker(port, { tls: good }));
  });
  assert.equal(result.code, 0, result.err);
  assert.equal(readFileSync(join(root, "out"), "utf8"), "OVER TLS\n");
  assert.match(result.err, /refused a connection from 127\.0\.0\.1:\d+: TLS handshake failed: .*\(is the peer configured without TLS\?\)/);
  assert.match(result.err, /refused a connection from 127\.0\.0\.1:\d+: TLS: client certificate not accepted/);
  const [plainEnd, untrustedEnd] = await Promise.all(ends);
  // the worker without TLS reads a plain Refuse under the failed TLS session, and stops
  assert.deepEqual(plainEnd, { kind: "refused", reason: "the master refused this worker: TLS: this listener requires TLS; give this side --tls-cert, --tls-key and --tls-ca too", welcomed: false });
  // the worker with a certificate of another CA is told why, and stops rather than retrying
  assert.deepEqual(untrustedEnd, { kind: "refused", reason: "the master refused this worker: TLS: your certificate was not accepted (UNABLE_TO_VERIFY_LEAF_SIGNATURE)", welcomed: false });
});

test("workers over TLS: a worker refuses a master whose certificate its CA did not sign, for good", async () => {
  const root = temporary();
  writeFileSync(join(root, "w.mf"), "out:\n\ttouch out\n");
  let end: Promise<WorkerEnd> | undefined;
  // the master is of the rogue CA: a worker of the cluster CA refuses it; one of the rogue CA runs the rule
  const rogueCluster = { ...rogue, ca: pem("rogue-ca.crt") };
  const result = await tlsMaster(root, { tls: rogueCluster }, (port) => {
    end = worker(port, { tls: good }).end;
    void end.then(() => worker(port, { tls: rogueCluster }));
  });
  assert.equal(result.code, 0, result.err);
  const refused = await end!;
  assert.equal(refused.kind, "refused");
  assert.match(refused.reason, /^TLS: /);
});
