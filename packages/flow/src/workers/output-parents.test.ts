// A task's output directories exist in its sandbox before its command starts, as in the
// master's directory, except those the command makes itself (outputs, and what is inside them).
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { temporaryDirectories } from "../../test/temporary.ts";
import { runFlow } from "../run/run-flow.ts";
import { outputParents } from "./output-parents.ts";
import { startWorker } from "./worker.ts";

const clock = realClock();
const temporary = temporaryDirectories("skein-output-parents-");

test("output parents: each output's directory once, none that is an output or inside one, none for top-level names", () => {
  assert.deepEqual(outputParents(["sub/out.txt", "sub/other", "a/b/c", "top"]), ["sub", "a/b"]);
  assert.deepEqual(outputParents(["mydir/1.txt", "mydir/2.txt", "mydir"]), [], "the command makes mydir (mkdir mydir would fail if it existed)");
  assert.deepEqual(outputParents(["d", "d/sub/x", "e/f"]), ["e"], "d/sub is inside the output d");
});

test("workers: a rule writing into a subdirectory of the master's directory runs on a worker as it does locally (cp: cannot create 'sub/out.txt'), and a rule making its directory target with mkdir still works", { timeout: 60_000 }, async () => {
  const root = temporary();
  mkdirSync(join(root, "sub"));
  writeFileSync(join(root, "in.txt"), "in\n");
  writeFileSync(join(root, "w.mf"), "sub/out.txt: in.txt\n\tcp in.txt sub/out.txt\nmydir mydir/1.txt: in.txt\n\tmkdir mydir && cp in.txt mydir/1.txt\n");
  let err = "";
  let started: Promise<unknown> | undefined;
  const onListening = (port: number) => {
    started = startWorker({ host: "127.0.0.1", port, workDirectory: temporary(), password: "p" }, { clock }).closed;
  };
  const code = await runFlow({ file: join(root, "w.mf"), target: "workers", port: 0, jobs: 1, progress: false, environment: {}, password: "p", onListening }, { clock, random: Math.random, output: { out: () => {}, err: (text) => (err += text) } });
  await started;
  assert.equal(code, 0, err);
  assert.equal(readFileSync(join(root, "sub", "out.txt"), "utf8"), "in\n");
  assert.equal(readFileSync(join(root, "mydir", "1.txt"), "utf8"), "in\n");
});
