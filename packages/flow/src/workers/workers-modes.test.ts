// File modes across the workers back end: inputs reach the sandbox with the permission bits they
// have on the master, outputs reach the master with those they had on the worker (never setuid,
// setgid or sticky), and one content needed with two modes is two cache entries on a worker.
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { waitFor } from "@skein/testkit";
import { fakeMaster } from "../../test/fake-master.ts";
import { temporaryDirectories } from "../../test/temporary.ts";
import { runFlow } from "../run/run-flow.ts";
import { encodeFrame, FlowWire } from "./frames.ts";
import { startWorker, type WorkerHandle } from "./worker.ts";

const clock = realClock();
const temporary = temporaryDirectories("skein-workers-modes-");

/** `skein flow -T workers` on `root/w.mf` with one in-process worker of `cores` cores. */
async function runWithWorker(root: string, cores = 1, before?: (port: number) => Promise<void>): Promise<{ code: number; err: string; worker: WorkerHandle }> {
  let err = "";
  let worker: WorkerHandle | undefined;
  let started: Promise<void> | undefined;
  const onListening = (port: number) => {
    started = (before?.(port) ?? Promise.resolve()).then(() => {
      worker = startWorker({ host: "127.0.0.1", port, cores, workDirectory: temporary() }, { clock });
    });
  };
  const output = { out: () => {}, err: (text: string) => (err += text) };
  const code = await runFlow({ file: join(root, "w.mf"), target: "workers", port: 0, jobs: 1, progress: false, environment: {}, onListening }, { clock, random: Math.random, output });
  await started;
  assert.equal(await worker!.closed, "the master finished");
  return { code, err, worker: worker! };
}

/** Writes `content` at `root/name` with exactly `mode` (whatever the umask). */
function file(root: string, name: string, content: string, mode: number): void {
  mkdirSync(join(root, name, ".."), { recursive: true });
  writeFileSync(join(root, name), content);
  chmodSync(join(root, name), mode);
}

const modeOf = (path: string) => statSync(path).mode & 0o7777;
/** The shell line that writes the `ls -l` mode string of each of `names`, in order, to `target`. */
const listModes = (names: string, target: string) => `{ ${names.split(" ").map((name) => `ls -ld ${name} | cut -c1-10; `).join("")}} > ${target}`;

test("workers: an executable input runs on a worker as ./prog.sh and under another name (->); a plain input stays plain; setuid is not carried", async () => {
  const root = temporary();
  file(root, "prog.sh", '#!/bin/sh\ntr a-z A-Z < "$1"\n', 0o755);
  file(root, "a.txt", "hello\n", 0o640);
  file(root, "tools/bin/run.sh", "#!/bin/sh\necho from-a-tree\n", 0o700);
  file(root, "suid.sh", "#!/bin/sh\necho suid\n", 0o4755);
  const rules = [
    "e1: prog.sh a.txt\n\t./prog.sh a.txt > e1",
    "e2: prog.sh->prog a.txt\n\t./prog a.txt > e2",
    "e3: tools\n\t./tools/bin/run.sh > e3",
    `modes: prog.sh->prog a.txt tools suid.sh\n\t${listModes("prog a.txt tools/bin/run.sh suid.sh", "modes")}`,
  ];
  writeFileSync(join(root, "w.mf"), `${rules.join("\n")}\n`);
  const result = await runWithWorker(root);
  assert.equal(result.code, 0, result.err);
  assert.equal(readFileSync(join(root, "e1"), "utf8"), "HELLO\n");
  assert.equal(readFileSync(join(root, "e2"), "utf8"), "HELLO\n");
  assert.equal(readFileSync(join(root, "e3"), "utf8"), "from-a-tree\n");
  // in the sandbox: prog, a.txt, tools/bin/run.sh, suid.sh
  assert.equal(readFileSync(join(root, "modes"), "utf8"), "-rwxr-xr-x\n-rw-r-----\n-rwx------\n-rwxr-xr-x\n");
});

test("workers: outputs reach the master with the mode they had on the worker, inline or streamed, in trees too; plain ones stay plain, setuid is dropped", async () => {
  const root = temporary();
  const small = [
    "printf '#!/bin/sh\\necho tool-ran\\n' > tool.sh; chmod 755 tool.sh",
    "echo data > plain.txt; chmod 640 plain.txt",
    "touch empty.sh; chmod 750 empty.sh",
    "mkdir -p tree/bin; cp tool.sh tree/bin/x; chmod 700 tree/bin/x; echo doc > tree/doc; chmod 444 tree/doc",
    "cp tool.sh suid; chmod 4755 suid",
  ];
  const rules = [
    `tool.sh plain.txt empty.sh tree suid:\n\t${small.join("; ")}`,
    // past the inline limit: streamed in output frames before the result
    "big.sh big.txt:\n\thead -c 3000000 /dev/zero > big.sh; chmod 711 big.sh; head -c 100000 /dev/zero > big.txt; chmod 444 big.txt",
    "result: tool.sh tree\n\tLOCAL ./tool.sh > result; ./tree/bin/x >> result",
  ];
  writeFileSync(join(root, "w.mf"), `${rules.join("\n")}\n`);
  const result = await runWithWorker(root);
  assert.equal(result.code, 0, result.err);
  assert.equal(readFileSync(join(root, "result"), "utf8"), "tool-ran\ntool-ran\n");
  const modes = Object.fromEntries(["tool.sh", "plain.txt", "empty.sh", "tree/bin/x", "tree/doc", "suid", "big.sh", "big.txt"].map((name) => [name, modeOf(join(root, name))]));
  assert.deepEqual(modes, { "tool.sh": 0o755, "plain.txt": 0o640, "empty.sh": 0o750, "tree/bin/x": 0o700, "tree/doc": 0o444, suid: 0o755, "big.sh": 0o711, "big.txt": 0o444 });
  assert.equal(statSync(join(root, "big.sh")).size, 3_000_000);
});

test("workers: a read-only output a dropped worker streamed stays writable while staged, so the rerun on another worker can replace it", async () => {
  const root = temporary();
  writeFileSync(join(root, "w.mf"), "ro.txt:\n\thead -c 100000 /dev/zero > ro.txt; chmod 444 ro.txt\n");
  const staged = join(root, "ro.txt.skein-part");
  // a worker that streams the whole output, then goes away before its result
  const dropped = async (port: number) => {
    const socket = connect({ host: "127.0.0.1", port });
    const wire = new FlowWire(socket, { role: "connector", self: "dropped", password: undefined, info: { cores: 1 } }, {
      opened: () => socket.write(encodeFrame({ type: "cached", entries: [] })), // a worker's first frame (frames.ts)
      frame: ({ header }) => {
        if (header.type === "task") socket.end(encodeFrame({ type: "output", task: header.task, name: "ro.txt", mode: 0o444, last: true }, Buffer.alloc(100)));
      },
    });
    socket.on("data", (chunk: Buffer) => wire.push(chunk));
    await new Promise((resolve) => socket.on("close", resolve));
    await waitFor(clock, () => statSync(staged, { throwIfNoEntry: false })?.size === 100, 10_000, "the dropped worker's bytes staged");
    assert.equal(modeOf(staged) & 0o200, 0o200, "the staged file is still writable");
  };
  const result = await runWithWorker(root, 1, dropped);
  assert.equal(result.code, 0, result.err);
  assert.match(result.err, /worker-1 left/);
  assert.equal(statSync(join(root, "ro.txt")).size, 100_000);
  assert.equal(modeOf(join(root, "ro.txt")), 0o444);
});

test("workers: one content needed with two modes — each task sees its own mode, and each content and mode crosses to the worker once", async () => {
  const root = temporary();
  file(root, "run.sh", "#!/bin/sh\necho same-bytes\n", 0o755);
  file(root, "data.sh", "#!/bin/sh\necho same-bytes\n", 0o644);
  // tasks of both kinds at once on four cores, so both modes are linked into sandboxes together
  // each task writes x<i> and the listing m<i> of its input's mode
  const rules = Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? `x${i} m${i}: run.sh\n\t./run.sh > x${i} && ${listModes("run.sh", `m${i}`)}` : `x${i} m${i}: data.sh\n\t${listModes("data.sh", `m${i}`)}; test ! -x data.sh && echo plain > x${i}`));
  const targets = Array.from({ length: 8 }, (_, i) => `x${i}`).join(" ");
  writeFileSync(join(root, "w.mf"), `${rules.join("\n")}\nall: ${targets}\n\tLOCAL cat ${targets} > all\n`);
  const result = await runWithWorker(root, 4);
  assert.equal(result.code, 0, result.err);
  assert.equal(readFileSync(join(root, "all"), "utf8"), "same-bytes\nplain\n".repeat(4));
  for (let i = 0; i < 8; i++) assert.equal(readFileSync(join(root, `m${i}`), "utf8"), i % 2 === 0 ? "-rwxr-xr-x\n" : "-rw-r--r--\n", `m${i}`);
  assert.equal(result.worker.filesReceived(), 2, "one transfer per content and mode");
  assert.equal(modeOf(join(root, "run.sh")), 0o755, "the master's inputs are untouched");
  assert.equal(modeOf(join(root, "data.sh")), 0o644);
});

test("workers: the worker refuses a task whose input mode is not permission bits, and drops a master that sends such a file", async () => {
  const hash = "0".repeat(64);
  const answers: unknown[] = [];
  const task = (id: number, mode: unknown) => ({ type: "task", task: id, command: "true", environment: {}, inputs: [{ name: "x", hash, mode }], outputs: [] });
  const master = await fakeMaster({
    opened: (send) => {
      send(task(1, 0o4755));
      send(task(2, "755"));
      send(task(3, undefined));
    },
    frame: (frame, send) => {
      if (frame.header.type !== "result") return;
      answers.push(frame.header.refused);
      if (answers.length === 3) send({ type: "file", hash, mode: 0o1777, last: true }, Buffer.from("x"));
    },
  });
  const worker = startWorker({ host: "127.0.0.1", port: master.port, workDirectory: temporary() }, { clock });
  const end = await worker.end;
  await master.close();
  assert.deepEqual(answers, ["bad mode for input 'x'", "bad mode for input 'x'", "bad mode for input 'x'"]);
  assert.deepEqual(end, { kind: "lost", reason: "protocol error: bad file mode", welcomed: true });
  assert.equal(worker.filesReceived(), 0);
});
