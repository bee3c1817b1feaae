import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { readRecording, RecordingError } from "@skein/net";
import { countCheckpoints, type ReplayResult, replayIncarnation } from "@skein/replay";
import { type Command, UsageError } from "../command.ts";
import { loadScenario } from "../sim/load-scenario.ts";
import { TraceFile } from "../sim/trace-file.ts";

const usage = `usage: skein replay <recording-dir> [options]

Re-executes recorded nodes (from \`skein run --record DIR\`) against their recorded inputs,
deterministically, and checks that each sends exactly the messages it sent for real.

  --node ID          replay only this node (default: every node of the recording)
  --from N           start at incarnation N of each node (a process start is checkpoint 0: the
                     recording holds the storage the node found when it started)
  --from N:K         start incarnation N at its checkpoint K (1, 2, ...: the services' state,
                     storage and timers, taken while the node was quiescent), then the later
                     incarnations from their starts; N:0 is the same as N
  --scenario FILE    the code to replay (default: the scenario file that was recorded)
  --trace FILE       write the replay's trace (the simulator's JSON Lines format)

Prints one line per replayed incarnation (with how many checkpoints it has; every checkpoint
a replay passes is compared with the replayed node's state) and a final line \`divergences: N\`;
on divergence it names the first differing event and exits 1.`;

const flags = {
  node: { type: "string" },
  from: { type: "string" },
  scenario: { type: "string" },
  trace: { type: "string" },
} as const;

export const replayCommand: Command = {
  name: "replay",
  summary: "replay a recorded real run deterministically and check for divergence",
  usage,
  async run(argv) {
    let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof flags; allowPositionals: true }>>;
    try {
      parsed = parseArgs({ args: argv, options: flags, allowPositionals: true });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const { values, positionals } = parsed;
    if (positionals.length !== 1) throw new UsageError("expected one recording directory");
    const dir = positionals[0]!;
    if (!existsSync(dir)) throw new UsageError(`recording not found: ${dir}`);
    const { from, checkpoint } = parseFrom(values.from ?? "0");
    let recording: ReturnType<typeof readRecording>;
    try {
      recording = readRecording(dir);
    } catch (error) {
      if (error instanceof RecordingError) throw new UsageError(error.message);
      throw error;
    }
    // a node of the run with no file here: recorded on another machine (skein run --node), or lost
    const absent = values.node === undefined ? recording.meta.nodes.filter((node) => !recording.incarnations.some((i) => i.node === node)) : [];
    if (absent.length > 0) console.error(`not replayed: ${absent.join(", ")} (meta.json names ${absent.length > 1 ? "them" : "it"}, but ${dir} has no recording file of ${absent.length > 1 ? "theirs" : "its"}; recorded on another machine?)`);
    const scenario = await loadScenario(values.scenario ?? recording.meta.scenario);
    const cluster = scenario.cluster(recording.meta.params);
    const selected = recording.incarnations.filter((i) => (values.node === undefined || i.node === values.node) && i.incarnation >= from);
    if (selected.length === 0) throw new UsageError(`nothing to replay${values.node ? ` for node ${values.node}` : ""} in ${dir}`);
    for (const i of selected) {
      const count = i.incarnation === from ? countCheckpoints(i.entries) : checkpoint;
      if (count < checkpoint) throw new UsageError(`--from ${values.from}: ${i.node}.${i.incarnation} has ${count === 0 ? "no checkpoints" : `checkpoints 1 to ${count} only`}`);
    }
    const trace = values.trace ? new TraceFile(values.trace) : undefined;
    let total = 0;
    let first: string | undefined;
    try {
      for (const incarnation of selected) {
        const services = cluster[incarnation.node];
        if (!services) throw new UsageError(`node ${incarnation.node} is not in the scenario's cluster`);
        const fromCheckpoint = incarnation.incarnation === from ? checkpoint : 0;
        const result = await replayIncarnation(incarnation, { services, fromCheckpoint, trace: trace ? (event) => trace.write(JSON.stringify(event)) : undefined });
        total += result.divergences.length;
        console.log(summary(result));
        const d = result.divergences[0];
        if (d && !first) first = `first divergence: ${incarnation.node}.${incarnation.incarnation} record ${d.record}: ${d.what}\n  recorded: ${d.recorded}\n  replayed: ${d.replayed}`;
      }
    } finally {
      trace?.close();
    }
    console.log(`divergences: ${total}`);
    if (first) console.error(first);
    return total === 0 ? 0 : 1;
  },
};

/** `N` (incarnation N from its start) or `N:K` (from its checkpoint K). */
function parseFrom(text: string): { from: number; checkpoint: number } {
  const match = /^(\d+)(?::(\d+))?$/.exec(text);
  if (!match) throw new UsageError(`--from: '${text}' is not N (an incarnation) or N:K (checkpoint K of incarnation N)`);
  return { from: Number(match[1]), checkpoint: Number(match[2] ?? 0) };
}

/** `p1.0: 209 records, 6 checkpoints, 34 sends checked, divergences: 0`, and what is special. */
function summary(r: ReplayResult): string {
  const name = `${r.node}.${r.incarnation}${r.fromCheckpoint > 0 ? ` from checkpoint ${r.fromCheckpoint}` : ""}`;
  const records = r.fromCheckpoint > 0 ? `${r.recordsReplayed} of ${r.records} records` : `${r.records} records`;
  const unable = r.servicesWithoutCheckpoint;
  const checkpoints = r.checkpoints > 0 ? `${r.checkpoints} checkpoint${r.checkpoints === 1 ? "" : "s"}` : unable.length > 0 ? `no checkpoints (${unable.join(", ")} cannot checkpoint)` : "no checkpoints";
  const tail = r.complete ? "" : `, recording cut short (process killed)${r.sendsUnchecked ? `, ${r.sendsUnchecked} later sends unchecked` : ""}`;
  return `${name}: ${records}, ${checkpoints}, ${r.sendsChecked} sends checked, divergences: ${r.divergences.length}${tail}`;
}
