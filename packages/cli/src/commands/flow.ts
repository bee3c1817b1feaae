import { parseArgs } from "node:util";
import { heartbeatMsDefault, heartbeatProblem, runFlow, workerTimeoutMsDefault } from "@skein/flow";
import { realClock } from "@skein/net/clock";
import { type Command, UsageError } from "../command.ts";
import { numberOption } from "../number-option.ts";
import { passwordOption } from "../password-option.ts";
import { readTls } from "../tls-option.ts";
import { flowInterruptBudget, setInterruptBudget } from "../optimisation-budget.ts";

const usage = `usage: skein flow [<workflow>] [options]

Runs a Makeflow workflow (or its JSON form; default: the file Makeflow): each rule's targets are
made from its sources by its one command, in dependency order, resuming from <workflow>.skeinlog
after a stop.

options:
  -j, --jobs N            concurrent local jobs (default: the number of cores); a rule needing
                          more cores than N runs alone
  -T, --target T          local | workers | slurm (default: local)
  --clean                 remove everything the workflow created, and its log
  --dry-run               print the commands that would run
  --dot FILE              write the DAG for Graphviz, coloured by state
  --json                  print one JSON object per state change
  --retry-count N         retries of a failed rule (default 0), with exponential backoff
  --retry-delay MS        first retry delay before jitter (default 1000)
  -p, --port P            port for workers (-T workers; default 9123, 0 for any)
  --password-file F       -T workers: workers must prove they know this password (and the master proves it to them)
  --tls-cert FILE         TLS with workers (all three flags, PEM): the master's certificate,
  --tls-key FILE          its private key, and the CA that signed the workers' certificates;
  --tls-ca FILE           a worker without TLS or with another CA's certificate is refused
  --fast-abort K          -T workers: rerun on another worker a task running past
                          mean + max(K·stddev, 1 s) of its category's runs (after 10 runs; at
                          most 3 times per rule; never when no other worker could take it).
                          Default: K = 3 for the categories the workflow names (CATEGORY=...)
                          only; given, the rules without CATEGORY too; 0 = off
  --heartbeat MS          -T workers: heartbeats on worker connections, both ways (default 1000)
  --worker-timeout MS     -T workers: a worker silent this long is lost, its tasks rerun (default 5000)
  -B, --batch-options O   -T slurm: more sbatch options for every job, words separated by
                          blanks ("--partition=gpu --account=lab"); SBATCH_* variables work too
  --no-progress           no progress bar`;

/** Options that only a run with workers uses (the TLS ones are checked on their own). */
const workersOnlyOptions = ["port", "password-file", "fast-abort", "heartbeat", "worker-timeout", "tls-cert", "tls-key", "tls-ca"] as const;

/** Options that take a number (see `numbersJoined`). */
const numberOptions = new Set(["-j", "--jobs", "--retry-count", "--retry-delay", "-p", "--port", "--fast-abort", "--heartbeat", "--worker-timeout"]);

/**
 * `-j -1` as `-j-1` (`--jobs=-1`): parseArgs takes `-1` for an option and calls the value
 * missing or ambiguous; joined, the error says what the option takes and what it was given.
 */
function numbersJoined(argv: readonly string[]): string[] {
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    const next = argv[i + 1];
    // sbatch's options start with dashes too: -B's value is whatever follows it
    if ((word === "-B" || word === "--batch-options") && next !== undefined) {
      joined.push(`--batch-options=${next}`);
      i++;
    } else if (numberOptions.has(word) && next !== undefined && /^-[\d.]/.test(next)) {
      joined.push(`${word}${word.startsWith("--") ? "=" : ""}${next}`);
      i++;
    } else joined.push(word);
  }
  return joined;
}

export const flowCommand: Command = {
  name: "flow",
  summary: "run a Makeflow workflow locally, on workers, or on Slurm",
  usage,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: numbersJoined(argv),
      allowPositionals: true,
      options: {
        jobs: { type: "string", short: "j" },
        target: { type: "string", short: "T" },
        clean: { type: "boolean" },
        "dry-run": { type: "boolean" },
        dot: { type: "string" },
        json: { type: "boolean" },
        "retry-count": { type: "string" },
        "retry-delay": { type: "string" },
        port: { type: "string", short: "p" },
        "password-file": { type: "string" },
        "tls-cert": { type: "string" },
        "tls-key": { type: "string" },
        "tls-ca": { type: "string" },
        "fast-abort": { type: "string" },
        heartbeat: { type: "string" },
        "worker-timeout": { type: "string" },
        "no-progress": { type: "boolean" },
        "batch-options": { type: "string", short: "B" },
      },
    });
    // no file: the one named Makeflow in the current directory, as upstream's makeflow reads
    if (positionals.length > 1) throw new UsageError("expected one workflow file (default: Makeflow)");
    const target = values.target ?? "local";
    if (target !== "local" && target !== "workers" && target !== "slurm") throw new UsageError(`-T takes local, workers or slurm, not '${target}'`);
    // options that would do nothing: said, rather than ignored (as TLS below)
    const workersOnly = workersOnlyOptions.filter((option) => values[option] !== undefined).map((option) => `--${option}`);
    if (workersOnly.length > 0 && target !== "workers") throw new UsageError(`${workersOnly.join(", ")} ${workersOnly.length === 1 ? "is" : "are"} for -T workers, not -T ${target}`);
    if (values["batch-options"] !== undefined && target !== "slurm") throw new UsageError(`--batch-options is for -T slurm, not -T ${target}`);
    if (values.dot === "") throw new UsageError("--dot needs a file name, not an empty one");
    const batchOptions = values["batch-options"]?.split(/\s+/).filter((word) => word !== "");
    const jobs = numberOption(values.jobs, "--jobs", { min: 1, integer: true });
    const retryCount = numberOption(values["retry-count"], "--retry-count", { min: 0, integer: true });
    const retryDelayMs = numberOption(values["retry-delay"], "--retry-delay", { min: 0 });
    const port = numberOption(values.port, "--port", { min: 0, max: 65535, integer: true, note: "0 picks a free port" }) ?? 9123;
    const fastAbortMultiplier = numberOption(values["fast-abort"], "--fast-abort", { min: 0 });
    const heartbeatMs = numberOption(values.heartbeat, "--heartbeat", { min: 0, minExclusive: true });
    const workerTimeoutMs = numberOption(values["worker-timeout"], "--worker-timeout", { min: 0, minExclusive: true });
    const problem = heartbeatProblem(heartbeatMs ?? heartbeatMsDefault, workerTimeoutMs ?? workerTimeoutMsDefault);
    if (problem) throw new UsageError(problem);
    // read here so a bad file is a usage error before any work
    const password = passwordOption(values["password-file"]);
    const tls = readTls({ cert: values["tls-cert"], key: values["tls-key"], ca: values["tls-ca"] });
    setInterruptBudget(flowInterruptBudget);
    return runFlow({
      file: positionals[0] ?? "Makeflow",
      jobs,
      target,
      clean: values.clean,
      dryRun: values["dry-run"],
      dotFile: values.dot,
      json: values.json,
      retryCount,
      retryDelayMs,
      port,
      password,
      tls,
      fastAbortMultiplier,
      heartbeatMs,
      workerTimeoutMs,
      batchOptions,
      progress: values["no-progress"] ? false : undefined,
      onListening: (port) => process.stderr.write(`skein flow: waiting for workers on port ${port}\n`),
    }, { clock: realClock(), random: Math.random });
  },
};
