import { rmSync, statfsSync } from "node:fs";
import { availableParallelism, tmpdir, totalmem } from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { claimWorkDirectory, superviseWorker, workerNoMasterTimeoutMsDefault } from "@skein/flow/worker";
import { onStopSignals, type StopSignal, stopSignals } from "../stop-signals.ts";
import { passwordOption } from "../password-option.ts";
import { readTls } from "../tls-option.ts";
import { directoryOption } from "../directory-option.ts";
import { realClock } from "@skein/net/clock";
import { type Command, UsageError } from "../command.ts";
import { parseHostPort } from "../host-port.ts";
import { numberOption } from "../number-option.ts";

const usage = `usage: skein worker <host:port> [options]

Connects to a 'skein flow -T workers' master and runs its tasks in private sandboxes, keeping
input files in a cache by content hash. When there is no master yet, or the connection breaks
or the master goes silent or is interrupted (it keeps its log, so a rerun resumes), it connects
again with exponential backoff (1 s doubling, at most 1 min, jittered); its cache outlives
the connection, so the master sends only the inputs it lacks. Exits 0 when the master
finishes its workflow, whether it succeeded or failed (its last line says which: the master's
exit code reports the workflow, and restarting a worker cannot help it); exits 1 when the
handshake fails (a wrong password on either side: the master must prove it too; a certificate
refused) or no master has answered for --timeout. On SIGINT, SIGTERM or SIGHUP it kills its
running tasks and exits 128 + the signal's number. It works in a directory of its own,
worker-<host>-<pid>-<n> inside --workdir (workers may share one), or else
skein-worker-<host>-<pid>-<n> in the temporary directory, removed when it exits (and, if it
was killed, by the next worker started there on this host).

options:
  --cores N            cores offered (default: this machine's, ${availableParallelism()} here)
  --memory MB          memory offered (default: this machine's, ${machineMemoryMb()} MB here)
  --disk MB            disk offered, in 10^6 bytes: its cache stays within it (default: the
                       space free where it works when it starts)
  --password-file F    the password shared with the master (each proves it to the other)
  --tls-cert FILE      TLS to the master (all three flags, PEM): this worker's certificate,
  --tls-key FILE       its private key, and the CA that signed the master's certificate
  --tls-ca FILE
  --workdir DIR        where its directory of cache and sandboxes goes (default: a new
                       temporary directory); removed when it exits
  --timeout S          give up after S seconds without a master (default ${workerNoMasterTimeoutMsDefault / 1000})`;

export const workerCommand: Command = {
  name: "worker",
  summary: "run tasks for a 'skein flow -T workers' master",
  usage,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        cores: { type: "string" },
        memory: { type: "string" },
        disk: { type: "string" },
        "password-file": { type: "string" },
        "tls-cert": { type: "string" },
        "tls-key": { type: "string" },
        "tls-ca": { type: "string" },
        workdir: { type: "string" },
        timeout: { type: "string" },
      },
    });
    if (positionals.length !== 1) throw new UsageError("expected one address host:port");
    // every option is checked before anything is made (a directory of its own, or --workdir)
    const { host, port } = parseHostPort(positionals[0]!, "master address", { connect: true });
    const timeoutSeconds = numberOption(values.timeout, "--timeout", { min: 0 });
    // as Work Queue's worker: every core of this machine unless told
    const cores = numberOption(values.cores, "--cores", { min: 1, integer: true }) ?? availableParallelism();
    // as Work Queue's worker: this machine's memory, and the disk free where it works, unless told
    // (the master places rules by them: offering more than there is sends rules that cannot run)
    const memoryMb = numberOption(values.memory, "--memory", { min: 1, integer: true }) ?? machineMemoryMb();
    const givenDiskMb = numberOption(values.disk, "--disk", { min: 1, integer: true });
    const password = passwordOption(values["password-file"]);
    const tls = readTls({ cert: values["tls-cert"], key: values["tls-key"], ca: values["tls-ca"] });
    // absolute once, here: tasks run inside it, from other directories
    const givenDirectory = values.workdir === undefined ? undefined : resolve(values.workdir);
    // a directory of its own inside it (other workers may share it), made now: a directory that
    // exists but where nothing can be made is a usage error
    // (without --workdir, in the temporary directory the same way, so that a killed worker's cache is removed by the next)
    const ownDirectory = givenDirectory === undefined ? claimedDirectory(tmpdir(), "skein-worker") : claimedDirectory(directoryOption(givenDirectory, "--workdir"));
    const diskMb = givenDiskMb ?? freeDiskMb(ownDirectory);
    const worker = superviseWorker({
      host,
      port,
      cores,
      memoryMb,
      diskMb,
      password,
      tls,
      workDirectory: ownDirectory,
      log: (line) => process.stderr.write(`skein worker: ${line}\n`),
    }, { timeoutMs: timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000 }, { clock: realClock(), random: Math.random });
    let stoppedBy: StopSignal | undefined;
    const stopListening = onStopSignals((name) => {
      stoppedBy ??= name;
      worker.kill();
    });
    try {
      const { code, reason } = await worker.done;
      process.stderr.write(`skein worker: ${stoppedBy ? `stopped by ${stoppedBy}` : reason}\n`);
      return stoppedBy ? stopSignals[stoppedBy] : code;
    } finally {
      stopListening();
      removeWorkDirectory(ownDirectory);
    }
  },
};

/** This machine's memory in MB (2^20 bytes, as the local executor counts it). */
function machineMemoryMb(): number {
  return Math.floor(totalmem() / 1048576);
}

/** The space free to this user where the worker works, in MB (10^6 bytes, as --disk); undefined if unknown. */
function freeDiskMb(directory: string): number | undefined {
  try {
    const { bavail, bsize } = statfsSync(directory);
    return Math.max(1, Math.floor((bavail * bsize) / 1e6));
  } catch {
    return undefined; // no limit offered, as before
  }
}

/** This worker's directory inside --workdir (or the temporary directory, `name` skein-worker); a usage error if none can be made there. */
function claimedDirectory(parent: string, name?: string): string {
  try {
    return claimWorkDirectory(parent, undefined, undefined, name);
  } catch (error) {
    const where = name === undefined ? `--workdir ${parent}` : `the temporary directory ${parent} (set TMPDIR or give --workdir)`;
    throw new UsageError(`${where}: cannot make a directory in it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/** Removes the work directory; tasks killed a moment ago may still be writing in it. */
function removeWorkDirectory(directory: string): void {
  try {
    rmSync(directory, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  } catch (error) {
    process.stderr.write(`skein worker: could not remove its work directory ${directory}: ${(error as Error).message}\n`);
  }
}
