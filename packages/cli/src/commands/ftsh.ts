// `skein ftsh`: wiring only — flags, the script file, the log file and signals; the language
// and its semantics live in @skein/ftsh.
import { closeSync, openSync, statSync, writeSync } from "node:fs";
import { open } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { type BackoffInit, JsonLinesLog, limits, processHost, runScript, type ScriptLog, silentLog } from "@skein/ftsh";
import { onStopSignals, type StopSignal, stopSignals } from "../stop-signals.ts";
import { realEnvironment } from "@skein/net/clock";
import { type Command, UsageError } from "../command.ts";

const usage = `usage: skein ftsh [options] SCRIPT [ARGUMENT ...]

Runs SCRIPT in the Fault Tolerant Shell language (docs/ftsh.md). The whole script is parsed
before anything runs; the exit code is 0 on success, 1 on failure, 2 on a syntax or usage
error, or the code given to 'exit'. As a script interpreter:  #!/usr/bin/env -S skein ftsh

options:
  -l, --log FILE            append a JSON Lines record of every command, try attempt,
                            outcome and delay to FILE (env FTSH_LOG_FILE)
  -p, --parse-only          check the syntax only; run nothing
  -t, --kill-timeout SECS   grace between SIGTERM and SIGKILL when a command is cancelled
                            (default 30; env FTSH_KILL_TIMEOUT)
  -q, --quiet               do not print failures on stderr (they are still logged)
  -j, --jobs N              at most N programs run at once, over all foralls; more wait
                            for a slot (default 256; env FTSH_JOBS)
      --backoff-initial S   first retry delay in seconds (default 1; env FTSH_EXPMIN)
      --backoff-factor F    growth factor of retry delays (default 2; env FTSH_EXPFACTOR)
      --backoff-max S       longest retry delay in seconds (default 3600; env FTSH_EXPMAX)
  -h, --help                show this help`;

const options = {
  log: { type: "string", short: "l" },
  "parse-only": { type: "boolean", short: "p" },
  "kill-timeout": { type: "string", short: "t" },
  quiet: { type: "boolean", short: "q" },
  jobs: { type: "string", short: "j" },
  "backoff-initial": { type: "string" },
  "backoff-factor": { type: "string" },
  "backoff-max": { type: "string" },
} as const;

const valueOptions = new Set(["-l", "--log", "-t", "--kill-timeout", "-j", "--jobs", "--backoff-initial", "--backoff-factor", "--backoff-max"]);

/** Splits argv into ftsh's own options and SCRIPT ARGUMENT…: options end at the script path. */
function splitArguments(argv: string[]): { own: string[]; script: string | undefined; args: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") return { own: argv.slice(0, i), script: argv[i + 1], args: argv.slice(i + 2) };
    if (!arg.startsWith("-") || arg === "-") return { own: argv.slice(0, i), script: arg, args: argv.slice(i + 1) };
    if (valueOptions.has(arg)) i++;
  }
  return { own: argv, script: undefined, args: [] };
}

/** Longest --kill-timeout, --backoff-initial and --backoff-max, in seconds: a try's longest period. */
const durationSecondsMax = limits.tryDurationMsMax / 1000;

/**
 * A number option's value, from the flag or else its environment variable (named in the error
 * when it came from there). `1e308` seconds passed as a finite number and became Infinity in ms,
 * which every try then refused when it started.
 */
function numberOption(
  values: Record<string, unknown>,
  name: string,
  variable: string,
  bounds: { minimum: number; maximum?: number },
): number | undefined {
  const flag = values[name] as string | undefined;
  const text = flag ?? process.env[variable];
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  const { minimum, maximum = Number.MAX_VALUE } = bounds;
  if (!Number.isFinite(value) || value < minimum || value > maximum) {
    const source = flag === undefined ? variable : `--${name}`;
    const range = bounds.maximum === undefined ? `>= ${minimum}` : `from ${minimum} to ${maximum}`;
    throw new UsageError(`${source} must be a number ${range}, got '${text}'`);
  }
  return value;
}

function openLog(path: string | undefined, file: string): { log: ScriptLog; close: () => void } {
  if (!path) return { log: silentLog, close: () => {} };
  let fd: number;
  try {
    fd = openSync(path, "a");
  } catch (error) {
    throw new UsageError(`cannot open log file ${path}: ${(error as Error).message}`);
  }
  // a log that cannot be written (a full disk, /dev/full) is said once and given up; the
  // script goes on, since the log only observes it
  let broken = false;
  const write = (line: string): void => {
    if (broken) return;
    try {
      writeSync(fd, line);
    } catch (error) {
      broken = true;
      process.stderr.write(`skein ftsh: cannot write log file ${path}: ${(error as Error).message}; logging stopped\n`);
    }
  };
  const log = new JsonLinesLog(file, write, () => Date.now());
  return { log, close: () => closeSync(fd) };
}

async function readScript(path: string): Promise<string> {
  let size: number;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw new UsageError(`cannot read script ${path}: it is a directory`);
    size = stat.size;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read script ${path}: ${(error as Error).message}`);
  }
  if (size > limits.scriptBytesMax) throw new UsageError(`script ${path} is ${size} bytes; the limit is ${limits.scriptBytesMax}`);
  try {
    return await readBounded(path, limits.scriptBytesMax);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read script ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/**
 * Reads at most `bytesMax` bytes of `path`. A device or pipe has no size to check beforehand:
 * 'skein ftsh /dev/zero' read half a gigabyte before failing ('Invalid string length'), or ran
 * out of memory.
 */
async function readBounded(path: string, bytesMax: number): Promise<string> {
  const handle = await open(path, "r");
  try {
    const chunks: Buffer[] = [];
    let bytes = 0;
    for (;;) {
      const { bytesRead, buffer } = await handle.read(Buffer.alloc(64 * 1024), 0, 64 * 1024, null);
      if (bytesRead === 0) return Buffer.concat(chunks).toString("utf8");
      bytes += bytesRead;
      if (bytes > bytesMax) throw new UsageError(`script ${path} is more than ${bytesMax} bytes, the limit`);
      chunks.push(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
}

async function run(argv: string[]): Promise<number> {
  const { own, script, args } = splitArguments(argv);
  let values: ReturnType<typeof parseArgs<{ options: typeof options }>>["values"];
  try {
    values = parseArgs({ args: own, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (script === undefined) throw new UsageError("missing SCRIPT");
  if (args.length > limits.argumentsMax) throw new UsageError(`more than ${limits.argumentsMax} script arguments`);
  const env = process.env;
  const duration = { minimum: 0, maximum: durationSecondsMax };
  const killGraceS = numberOption(values, "kill-timeout", "FTSH_KILL_TIMEOUT", duration) ?? limits.killGraceMsDefault / 1000;
  const backoff: BackoffInit = {
    initialMs: scaled(numberOption(values, "backoff-initial", "FTSH_EXPMIN", duration)),
    factor: numberOption(values, "backoff-factor", "FTSH_EXPFACTOR", { minimum: 1 }),
    maxMs: scaled(numberOption(values, "backoff-max", "FTSH_EXPMAX", duration)),
  };
  const jobs = numberOption(values, "jobs", "FTSH_JOBS", { minimum: 1, maximum: limits.runningCommandsMaxLimit });
  if (jobs !== undefined && !Number.isInteger(jobs)) throw new UsageError(`${values.jobs === undefined ? "FTSH_JOBS" : "--jobs"} must be a whole number, got '${jobs}'`);
  const source = await readScript(script);
  const { log, close } = openLog(values.log ?? env.FTSH_LOG_FILE, script);
  const controller = new AbortController();
  // a second stop signal (Ctrl-C again) does not wait out the kill timeout: SIGKILL at once
  const hurry = new AbortController();
  let stoppedBy: StopSignal | undefined;
  const stopListening = onStopSignals((name) => {
    if (stoppedBy !== undefined && !hurry.signal.aborted) {
      process.stderr.write(`skein ftsh: ${name} again: killing what is left with SIGKILL\n`);
      hurry.abort();
    }
    stoppedBy ??= name;
    controller.abort(Object.assign(new Error(`ftsh was stopped by ${name}`), { exitCode: stopSignals[name] }));
  });
  try {
    const exitCode = await runScript({
      file: script,
      source,
      args,
      host: processHost({ killGraceMs: killGraceS * 1000, time: realEnvironment, hurry: hurry.signal }),
      // nested shells must give up on stubborn processes before their parent does (the manual)
      processEnvironment: { ...env, FTSH_KILL_TIMEOUT: String(Math.max(killGraceS - 5, 0)) },
      cwd: resolve("."),
      environment: realEnvironment,
      log,
      options: { backoff, quiet: values.quiet, parseOnly: values["parse-only"], runningCommandsMax: jobs },
      signal: controller.signal,
    });
    return stoppedBy ? stopSignals[stoppedBy] : exitCode;
  } finally {
    stopListening();
    close();
  }
}

function scaled(secondsValue: number | undefined): number | undefined {
  return secondsValue === undefined ? undefined : secondsValue * 1000;
}

export const ftshCommand: Command = {
  name: "ftsh",
  helpFlagFirstOnly: true,
  summary: "run a Fault Tolerant Shell script (try, forany, forall)",
  usage,
  run,
};
