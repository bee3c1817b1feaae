import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { readRecording } from "@skein/net";
import { replayIncarnation } from "@skein/replay";
import { type Command, UsageError } from "../command.ts";
import { loadScenario } from "../sim/load-scenario.ts";
import { TraceFile } from "../sim/trace-file.ts";

const usage = `usage: skein replay <recording-dir> [options]

Re-executes recorded nodes (from \`skein run --record DIR\`) against their recorded inputs,
deterministically, and checks that each sends exactly the messages it sent for real.

  --node ID          replay only this node (default: every node of the recording)
  --from N           start at incarnation N of each node (each process start is a checkpoint:
                     the recording holds the storage the node found when it started)
  --scenario FILE    the code to replay (default: the scenario file that was recorded)
  --trace FILE       write the replay's trace (the simulator's JSON Lines format)

Prints one line per replayed incarnation and a final line \`divergences: N\`; on divergence it
names the first differing event and exits 1.`;

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
    const from = values.from === undefined ? 0 : Number(values.from);
    if (!Number.isInteger(from) || from < 0) throw new UsageError(`--from: '${values.from}' is not an incarnation number`);
    const recording = readRecording(dir);
    const scenario = await loadScenario(values.scenario ?? recording.meta.scenario);
    const cluster = scenario.cluster(recording.meta.params);
    const selected = recording.incarnations.filter((i) => (values.node === undefined || i.node === values.node) && i.incarnation >= from);
    if (selected.length === 0) throw new UsageError(`nothing to replay${values.node ? ` for node ${values.node}` : ""} in ${dir}`);
    const trace = values.trace ? new TraceFile(values.trace) : undefined;
    let total = 0;
    let first: string | undefined;
    try {
      for (const incarnation of selected) {
        const services = cluster[incarnation.node];
        if (!services) throw new UsageError(`node ${incarnation.node} is not in the scenario's cluster`);
        const result = await replayIncarnation(incarnation, { services, trace: trace ? (event) => trace.write(JSON.stringify(event)) : undefined });
        total += result.divergences.length;
        const tail = result.complete ? "" : `, recording cut short (process killed)${result.sendsUnchecked ? `, ${result.sendsUnchecked} later sends unchecked` : ""}`;
        console.log(`${incarnation.node}.${incarnation.incarnation}: ${result.records} records, ${result.sendsChecked} sends checked, divergences: ${result.divergences.length}${tail}`);
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
