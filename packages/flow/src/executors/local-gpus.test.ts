// Local runs count this machine's GPUs (CUDA_VISIBLE_DEVICES, else the NVIDIA driver's list,
// else nvidia-smi -L), so a GPUS rule runs locally on a GPU machine; tests inject the count.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { workspaces } from "../../test/flow-run.ts";
import { runFlow } from "../run/run-flow.ts";
import { countGpus, GpuDevices, type GpuProbe, nvidiaGpusDirectory } from "./local-gpus.ts";

const probe = (extra: Partial<GpuProbe>): GpuProbe => ({ environment: {}, listDirectory: () => undefined, nvidiaSmi: () => undefined, ...extra });

test("local gpus: CUDA_VISIBLE_DEVICES decides when set (empty or -1 is none; CUDA stops at an invalid entry)", () => {
  const everywhere = { listDirectory: () => ["0000:01:00.0", "0000:02:00.0", "0000:03:00.0"], nvidiaSmi: () => "GPU 0: A\nGPU 1: B\nGPU 2: C\n" };
  assert.deepEqual(countGpus(probe({ ...everywhere, environment: { CUDA_VISIBLE_DEVICES: "0,1" } })), { gpus: 2, devices: ["0", "1"], source: "counted from CUDA_VISIBLE_DEVICES=0,1" });
  assert.equal(countGpus(probe({ ...everywhere, environment: { CUDA_VISIBLE_DEVICES: "GPU-8f1c,GPU-77aa" } })).gpus, 2, "UUIDs count too");
  assert.equal(countGpus(probe({ ...everywhere, environment: { CUDA_VISIBLE_DEVICES: "" } })).gpus, 0);
  assert.equal(countGpus(probe({ ...everywhere, environment: { CUDA_VISIBLE_DEVICES: "-1" } })).gpus, 0);
  assert.deepEqual(countGpus(probe({ ...everywhere, environment: { CUDA_VISIBLE_DEVICES: "1,-1,0" } })).devices, ["1"]);
});

test("local gpus: else the driver's /proc list, else nvidia-smi -L, else none, saying where it looked", () => {
  assert.deepEqual(countGpus(probe({ listDirectory: (path) => (path === nvidiaGpusDirectory ? ["0000:01:00.0", "0000:02:00.0"] : undefined), nvidiaSmi: () => "GPU 0: A\n" })), { gpus: 2, devices: ["0", "1"], source: `counted from ${nvidiaGpusDirectory}` });
  assert.deepEqual(countGpus(probe({ nvidiaSmi: () => "GPU 0: NVIDIA A100 (UUID: GPU-1)\n  MIG 1g.5gb Device 0: (UUID: MIG-1)\nGPU 1: NVIDIA A100 (UUID: GPU-2)\n" })), { gpus: 2, devices: ["0", "1"], source: "counted from nvidia-smi -L" });
  assert.deepEqual(countGpus(probe({})), { gpus: 0, source: `none found: CUDA_VISIBLE_DEVICES unset, no ${nvidiaGpusDirectory}, no nvidia-smi` });
});

const workspace = workspaces("skein-flow-gpus-");
const gpuWorkflow = "GPUS=1\na:\n\ttouch a\nb:\n\ttouch b\n";

test("local gpus: a GPUS=1 rule runs locally when the machine has a GPU; without one it is refused, saying where GPUs were looked for", async () => {
  const root = workspace({ "w.mf": gpuWorkflow });
  let err = "";
  const output = { out: () => {}, err: (text: string) => (err += text) };
  const run = (gpus: number, source: string) => runFlow({ file: join(root, "w.mf"), jobs: 2, progress: false, environment: {} }, { clock: realClock(), random: Math.random, output, gpus: () => ({ gpus, source }) });
  assert.equal(await run(0, "counted from CUDA_VISIBLE_DEVICES="), 1);
  assert.match(err, /^skein flow: 2 rules refused, never run \(a, b\): needs 1 GPU; this machine has 0 GPUs \(counted from CUDA_VISIBLE_DEVICES=\)$/m, err);
  err = "";
  let out = "";
  const json = await runFlow({ file: join(root, "w.mf"), jobs: 2, progress: false, environment: {}, json: true }, { clock: realClock(), random: Math.random, output: { out: (text) => (out += text), err: (text) => (err += text) }, gpus: () => ({ gpus: 1, source: "counted from nvidia-smi -L" }) });
  assert.equal(json, 0, err);
  const joined = out.trim().split("\n").map((line) => JSON.parse(line)).find((event) => event.state === "joined");
  assert.equal(joined.gpus, 1, "--json's joined event says how many GPUs this machine offers");
  assert.ok(existsSync(join(root, "a")) && existsSync(join(root, "b")));
  assert.match(err, /skein flow: done, 2 rules ran/);
});

test("local gpus: each running GPU rule gets devices of its own in CUDA_VISIBLE_DEVICES, given back when it ends; a rule's own value wins", () => {
  const devices = new GpuDevices(["3", "5", "7"]);
  assert.deepEqual(devices.take(1, 2, { A: "x" }), { A: "x", CUDA_VISIBLE_DEVICES: "3,5" });
  assert.deepEqual(devices.take(2, 2, {}), {}, "too few free: unchanged (the scheduler counts GPUs, this never happens)");
  assert.deepEqual(devices.take(3, 1, { CUDA_VISIBLE_DEVICES: "9" }), { CUDA_VISIBLE_DEVICES: "9" });
  assert.deepEqual(devices.take(4, 0, {}), { CUDA_VISIBLE_DEVICES: "" }, "GPUS=0: no device");
  assert.deepEqual(devices.take(4, 0, { CUDA_VISIBLE_DEVICES: "9" }), { CUDA_VISIBLE_DEVICES: "9" }, "GPUS=0 with its own value: its choice wins");
  assert.deepEqual(devices.take(4, undefined, {}), {}, "no GPUS declared: unchanged");
  devices.release(1);
  assert.deepEqual(devices.take(5, 3, {}), { CUDA_VISIBLE_DEVICES: "3,5,7" });
});

test("local gpus: two 1-GPU rules running at once see different devices", { timeout: 30_000 }, async () => {
  // each waits until the other has started: they run at once
  const other = (name: string) => (name === "a" ? "b" : "a");
  const body = (name: string) => `${name}:\n\techo $$CUDA_VISIBLE_DEVICES > ${name}.tmp; while [ ! -e ${other(name)}.tmp ] && [ ! -e ${other(name)} ]; do sleep 0.05; done; mv ${name}.tmp ${name}\n`;
  const root = workspace({ "w.mf": `GPUS=1\n${body("a")}${body("b")}` });
  let err = "";
  const code = await runFlow({ file: join(root, "w.mf"), jobs: 2, progress: false, environment: {} }, { clock: realClock(), random: Math.random, output: { out: () => {}, err: (text) => (err += text) }, gpus: () => ({ gpus: 2, devices: ["3", "5"], source: "counted from CUDA_VISIBLE_DEVICES=3,5" }) });
  assert.equal(code, 0, err);
  assert.deepEqual([readFileSync(join(root, "a"), "utf8"), readFileSync(join(root, "b"), "utf8")].sort(), ["3\n", "5\n"]);
});

test("local gpus: a GPUS=0 rule sees no device (an empty CUDA_VISIBLE_DEVICES), not the master's; a rule declaring no GPUS keeps the master's", { timeout: 30_000 }, async () => {
  const root = workspace({ "w.mf": `any:\n\techo "[$$CUDA_VISIBLE_DEVICES]" > any\nGPUS=0\nnone:\n\techo "[$$CUDA_VISIBLE_DEVICES]" > none\n` });
  const before = process.env.CUDA_VISIBLE_DEVICES;
  process.env.CUDA_VISIBLE_DEVICES = "3,5";
  try {
    let err = "";
    const code = await runFlow({ file: join(root, "w.mf"), jobs: 2, progress: false, environment: {} }, { clock: realClock(), random: Math.random, output: { out: () => {}, err: (text) => (err += text) }, gpus: () => ({ gpus: 2, devices: ["3", "5"], source: "counted from CUDA_VISIBLE_DEVICES=3,5" }) });
    assert.equal(code, 0, err);
  } finally {
    if (before === undefined) delete process.env.CUDA_VISIBLE_DEVICES;
    else process.env.CUDA_VISIBLE_DEVICES = before;
  }
  assert.equal(readFileSync(join(root, "none"), "utf8"), "[]\n");
  assert.equal(readFileSync(join(root, "any"), "utf8"), "[3,5]\n");
});
