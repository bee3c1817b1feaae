import { parseArgs } from "node:util";
import { FAULT_KINDS, type FaultKind, type NemesisInit } from "@skein/sim";
import { UsageError } from "../command.ts";
import { parseDurationMs } from "../duration.ts";

export interface SimOptions {
  readonly file: string;
  readonly seeds: { readonly first: number; readonly last: number };
  readonly single: boolean;
  readonly untilMs: number | undefined;
  readonly nodes: number | undefined;
  readonly nemesis: NemesisInit | undefined;
  readonly trace: string | undefined;
  readonly checkDeterminism: boolean;
  readonly json: boolean;
  readonly verbose: boolean;
  readonly wallLimitMs: number | undefined;
  /** The flags that shape a run, to print in "reproduce with". */
  readonly reproduceFlags: string[];
}

const flags = {
  seed: { type: "string" },
  seeds: { type: "string" },
  until: { type: "string" },
  nodes: { type: "string" },
  nemesis: { type: "string" },
  "nemesis-interval": { type: "string" },
  "nemesis-max-down": { type: "string" },
  "nemesis-downtime": { type: "string" },
  "nemesis-loss-max": { type: "string" },
  "no-nemesis": { type: "boolean" },
  trace: { type: "string" },
  "check-determinism": { type: "boolean" },
  json: { type: "boolean" },
  verbose: { type: "boolean", short: "v" },
  "wall-limit": { type: "string" },
} as const;

function integer(text: string, flag: string): number {
  if (!/^-?\d+$/.test(text)) throw new UsageError(`${flag}: '${text}' is not an integer`);
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new UsageError(`${flag}: ${text} is out of range`);
  return value;
}

function parseSeeds(seed: string | undefined, seeds: string | undefined): SimOptions["seeds"] & { single: boolean } {
  if (seed !== undefined && seeds !== undefined) throw new UsageError("give --seed or --seeds, not both");
  if (seeds === undefined) {
    const value = seed === undefined ? 1 : integer(seed, "--seed");
    return { first: value, last: value, single: true };
  }
  const match = /^(-?\d+)\.\.(-?\d+)$/.exec(seeds);
  if (!match) throw new UsageError(`--seeds: '${seeds}' must be a range A..B (e.g. 1..200)`);
  const first = integer(match[1]!, "--seeds");
  const last = integer(match[2]!, "--seeds");
  if (last < first) throw new UsageError(`--seeds: ${seeds} is empty (B < A)`);
  return { first, last, single: false };
}

interface NemesisFlags {
  readonly kinds: string | undefined;
  readonly interval: string | undefined;
  readonly maxDown: string | undefined;
  readonly downtime: string | undefined;
  readonly lossMax: string | undefined;
}

/** Checks every nemesis flag (given alone, each is a usage error: it would do nothing). */
function parseNemesis(flagValues: NemesisFlags, present: boolean, off: boolean): NemesisInit | undefined {
  const init = nemesisInit(flagValues);
  if (!present && !off) {
    const alone = (["interval", "maxDown", "downtime", "lossMax"] as const).find((key) => flagValues[key] !== undefined);
    if (alone) throw new UsageError(`--nemesis-${{ interval: "interval", maxDown: "max-down", downtime: "downtime", lossMax: "loss-max" }[alone]} does nothing without --nemesis`);
  }
  return present && !off ? init : undefined;
}

function nemesisInit(flagValues: NemesisFlags): NemesisInit {
  const { kinds, interval } = flagValues;
  const init: { -readonly [K in keyof NemesisInit]: NemesisInit[K] } = {};
  if (kinds && kinds !== "all" && kinds !== "") {
    init.kinds = kinds.split(",").map((k) => {
      if (!(FAULT_KINDS as readonly string[]).includes(k)) throw new UsageError(`--nemesis: unknown fault kind '${k}' (known: ${FAULT_KINDS.join(", ")})`);
      return k as FaultKind;
    });
  }
  if (interval !== undefined) init.meanIntervalMs = parseDurationMs(interval, "--nemesis-interval");
  if (flagValues.maxDown !== undefined) init.maxDown = integer(flagValues.maxDown, "--nemesis-max-down");
  if (flagValues.downtime !== undefined) {
    const [min, max] = flagValues.downtime.split("..");
    if (min === undefined || max === undefined) throw new UsageError("--nemesis-downtime: give a range MIN..MAX (e.g. 100ms..2s)");
    init.downMs = [parseDurationMs(min, "--nemesis-downtime"), parseDurationMs(max, "--nemesis-downtime")];
    if (init.downMs[0] > init.downMs[1]) throw new UsageError(`--nemesis-downtime: the range ${flagValues.downtime} is empty (MIN > MAX)`);
  }
  if (flagValues.lossMax !== undefined) {
    const rate = Number(flagValues.lossMax);
    if (!(rate >= 0 && rate <= 1)) throw new UsageError(`--nemesis-loss-max: '${flagValues.lossMax}' must be a rate in [0, 1]`);
    init.lossRateMax = rate;
  }
  return init;
}

/** `--nemesis` may stand alone (all kinds) or take a list; parseArgs needs a value, so fill it. */
function normaliseNemesis(argv: string[]): string[] {
  return argv.flatMap((arg, i) => {
    if (arg !== "--nemesis") return [arg];
    const next = argv[i + 1];
    return next === undefined || next.startsWith("-") || next.endsWith(".ts") || next.endsWith(".js") ? ["--nemesis=all"] : [arg];
  });
}

export function parseSimOptions(argv: string[]): SimOptions {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof flags; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: normaliseNemesis(argv), options: flags, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? "missing <scenario> file" : `unexpected arguments: ${positionals.slice(1).join(" ")}`);
  const seeds = parseSeeds(values.seed, values.seeds);
  const nemesis = parseNemesis(
    { kinds: values.nemesis, interval: values["nemesis-interval"], maxDown: values["nemesis-max-down"], downtime: values["nemesis-downtime"], lossMax: values["nemesis-loss-max"] },
    values.nemesis !== undefined,
    values["no-nemesis"] === true,
  );
  if (values.trace !== undefined && !seeds.single) throw new UsageError("--trace writes the trace of one run: give --seed N, not a range of seeds");
  const untilMs = values.until === undefined ? undefined : parseDurationMs(values.until, "--until");
  const nodes = values.nodes === undefined ? undefined : integer(values.nodes, "--nodes");
  if (nodes !== undefined && nodes < 1) throw new UsageError("--nodes must be ≥ 1");
  const reproduceFlags: string[] = [];
  if (values.until) reproduceFlags.push("--until", values.until);
  if (values.nodes) reproduceFlags.push("--nodes", values.nodes);
  if (nemesis) reproduceFlags.push(values.nemesis === "all" ? "--nemesis" : `--nemesis=${values.nemesis}`);
  for (const flag of ["nemesis-interval", "nemesis-max-down", "nemesis-downtime", "nemesis-loss-max"] as const) {
    if (values[flag] !== undefined) reproduceFlags.push(`--${flag}`, values[flag]);
  }
  return {
    file: positionals[0]!,
    seeds,
    single: seeds.single,
    untilMs,
    nodes,
    nemesis,
    trace: values.trace,
    checkDeterminism: values["check-determinism"] ?? false,
    json: values.json ?? false,
    verbose: values.verbose ?? false,
    wallLimitMs: values["wall-limit"] === undefined ? undefined : parseDurationMs(values["wall-limit"], "--wall-limit"),
    reproduceFlags,
  };
}
