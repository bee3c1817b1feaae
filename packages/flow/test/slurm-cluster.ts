// Test support, outside src: it starts real daemons and waits on the wall clock. A single-node
// Slurm cluster for tests: munged, slurmctld and slurmd from Debian's slurm-wlm, configured in
// a temporary directory and started as root; stop() tears everything down. Jobs are scheduled
// as soon as they are submitted (no batch delay, no minimum interval): ~1 s per job, not 3.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";

export interface SlurmCluster {
  readonly configFile: string;
  stop(): void;
}

/** Why Slurm cannot run here, or undefined when it can. */
export function slurmUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "the Slurm test starts slurmctld and slurmd as root, and this is not root";
  for (const program of ["munged", "slurmctld", "slurmd", "sbatch", "squeue"]) {
    if (spawnSync("sh", ["-c", `command -v ${program}`]).status !== 0) return `${program} is not installed (Debian package slurm-wlm/munge)`;
  }
  return undefined;
}

function wait(condition: () => boolean, timeoutMs: number): boolean {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (condition()) return true;
    spawnSync("sleep", ["0.2"]);
  }
  return false;
}

export function startSlurmCluster(): SlurmCluster {
  const root = mkdtempSync(join(tmpdir(), "skein-slurm-"));
  for (const dir of ["state", "spool", "munge"]) mkdirSync(join(root, dir));
  const host = hostname();
  const port = 16_817 + (process.pid % 500) * 2;
  const configFile = join(root, "slurm.conf");
  const socket = join(root, "munge", "munge.socket");
  writeFileSync(configFile, [
    "ClusterName=skeintest", `SlurmctldHost=${host}`, "SlurmUser=root", "SlurmdUser=root", "AuthType=auth/munge", `AuthInfo=socket=${socket}`,
    `StateSaveLocation=${root}/state`, `SlurmdSpoolDir=${root}/spool`, `SlurmctldPidFile=${root}/slurmctld.pid`, `SlurmdPidFile=${root}/slurmd.pid`,
    `SlurmctldPort=${port}`, `SlurmdPort=${port + 1}`, "ProctrackType=proctrack/linuxproc", "TaskPlugin=task/none",
    "JobAcctGatherType=jobacct_gather/none", "SelectType=select/cons_tres", "SelectTypeParameters=CR_Core", "ReturnToService=2",
    "MpiDefault=none", "SchedulerType=sched/builtin", "SchedulerParameters=sched_min_interval=0,batch_sched_delay=0", `SlurmctldLogFile=${root}/slurmctld.log`, `SlurmdLogFile=${root}/slurmd.log`,
    `NodeName=${host} NodeAddr=127.0.0.1 CPUs=2 RealMemory=1000 State=UNKNOWN`, "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP", "",
  ].join("\n"));
  const environment = { ...process.env, SLURM_CONF: configFile };
  const children: ChildProcess[] = [];
  const daemon = (command: string, args: string[]) => {
    const child = spawn(command, args, { env: environment, stdio: "ignore" });
    children.push(child);
  };
  daemon("munged", ["--foreground", "--force", `--socket=${socket}`, `--pid-file=${root}/munge/munged.pid`, `--log-file=${root}/munge/munged.log`, `--seed-file=${root}/munge/seed`]);
  wait(() => spawnSync("test", ["-S", socket]).status === 0, 5_000);
  daemon("slurmctld", ["-D", "-f", configFile]);
  daemon("slurmd", ["-D", "-f", configFile]);
  process.env.SLURM_CONF = configFile;
  const stop = () => {
    for (const child of children.reverse()) child.kill("SIGTERM");
    spawnSync("sleep", ["0.3"]);
    rmSync(root, { recursive: true, force: true });
  };
  const ready = wait(() => /idle/.test(spawnSync("sinfo", ["-h", "-o", "%T"], { env: environment, encoding: "utf8" }).stdout ?? ""), 30_000);
  if (!ready) {
    const log = spawnSync("tail", ["-5", `${root}/slurmctld.log`, `${root}/slurmd.log`], { encoding: "utf8" }).stdout;
    stop();
    throw new Error(`the Slurm node did not become idle:\n${log}`);
  }
  return { configFile, stop };
}
