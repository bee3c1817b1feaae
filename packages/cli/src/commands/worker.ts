import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { readPassword, startWorker } from "@skein/flow/worker";
import { realClock } from "@skein/net/clock";
import { type Command, UsageError } from "../command.ts";
import { parseHostPort } from "../host-port.ts";
import { numberOption } from "../number-option.ts";

const usage = `usage: skein worker <host:port> [options]

Connects to a 'skein flow -T workers' master and runs its tasks in private sandboxes, keeping
input files in a cache by content hash. Exits when the master finishes or goes away (its
connection closes, or it sends nothing for the worker timeout it announced).

options:
  --cores N            cores offered (default 1)
  --memory MB          memory offered
  --disk MB            disk offered
  --password-file F    prove this password to the master
  --workdir DIR        cache and sandboxes (default: a new temporary directory)`;

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
        workdir: { type: "string" },
      },
    });
    if (positionals.length !== 1) throw new UsageError("expected one address host:port");
    const { host, port } = parseHostPort(positionals[0]!, "master address");
    const handle = startWorker({
      host,
      port,
      cores: numberOption(values.cores, "--cores", { min: 1, integer: true }),
      memoryMb: numberOption(values.memory, "--memory", { min: 1, integer: true }),
      diskMb: numberOption(values.disk, "--disk", { min: 1, integer: true }),
      password: readPassword(values["password-file"]),
      workDirectory: values.workdir ?? mkdtempSync(join(tmpdir(), "skein-worker-")),
      log: (line) => process.stderr.write(`skein worker: ${line}\n`),
    }, { clock: realClock() });
    const reason = await handle.closed;
    process.stderr.write(`skein worker: ${reason}\n`);
    return reason === "the master finished" ? 0 : 1;
  },
};
