// skein-io-adapter: runs commands as local processes and checks their targets on disk.
/**
 * Runs tasks on this machine, up to the executor's cores at once. Processes are forked by a
 * pool of small Perl launchers (perl-base is part of every Debian system) rather than by Node
 * itself: forking a large Node process costs ~3 ms, a launcher fork well under 1 ms. Without
 * perl it falls back to `child_process.spawn`. After a command succeeds, every declared target
 * must exist, or the task fails naming the missing files.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ExecutorInfo, TaskOutcome } from "../schedule/types.ts";
import type { Rule } from "../workflow.ts";
import type { Executor, ExecutorListener, TaskRequest } from "./executor.ts";

const launcherScript = fileURLToPath(new URL("./launcher.pl", import.meta.url));
let perlAvailable: boolean | undefined;

function hasPerl(): boolean {
  perlAvailable ??= spawnSync("perl", ["-e", "exit 0"], { stdio: "ignore" }).status === 0;
  return perlAvailable;
}

export interface LocalExecutorInit {
  readonly info: ExecutorInfo;
  /** The workflow's directory: commands run there, targets are checked there. */
  readonly directory: string;
  /** Where the commands' standard output goes (an fd; 1 or 2). */
  readonly outputFd: number;
  /** Runs a nested workflow rule (MAKEFLOW file [dir]) in-process; resolves to its outcome. */
  readonly runNested?: (rule: Rule) => Promise<TaskOutcome>;
}

/** Names of declared targets that do not exist after a successful command. */
export function missingTargets(rule: Rule, directory: string): string[] {
  return rule.targets.filter((target) => !existsSync(resolve(directory, target.path))).map((t) => t.path);
}

export function exitOutcome(rule: Rule, directory: string, code: number | null, signal: string | null): TaskOutcome {
  if (signal) return { ok: false, reason: `killed by ${signal}` };
  if (code !== 0) return { ok: false, reason: `exit code ${code}` };
  const missing = missingTargets(rule, directory);
  if (missing.length > 0) return { ok: false, reason: `the command succeeded but did not create ${missing.join(", ")}` };
  return { ok: true };
}

/** Words that need the shell even in a command without shell syntax. */
const shellWords = new Set(["cd", "exit", "export", "set", "unset", ".", "source", "eval", "exec", "alias", "read", "wait", "trap", "ulimit", "umask", "if", "for", "while", "case", "until", "shift", "return", "local", "type", "command", "hash", "times", "getopts", "readonly", "break", "continue", "!", "{", "}"]);

/**
 * The argument vector of a command simple enough to run without `/bin/sh` (only plain words,
 * no quotes, variables, redirections, globs or operators), or undefined. Skipping the shell
 * saves one exec per task, as GNU make does.
 */
export function simpleArgv(command: string): string[] | undefined {
  if (!/^[A-Za-z0-9_\-+=.,/:@% ]+$/.test(command)) return undefined;
  const words = command.split(" ").filter((w) => w !== "");
  if (words.length === 0 || shellWords.has(words[0]!) || words[0]!.includes("=")) return undefined;
  return words;
}

interface Launcher {
  readonly process: ChildProcess;
  current: { task: number; rule: Rule; pid: number | undefined } | undefined;
  buffer: string;
}

export class LocalExecutor implements Executor {
  readonly info: ExecutorInfo;
  private readonly idle: Launcher[] = [];
  private readonly all: Launcher[] = [];
  private readonly direct = new Map<number, ChildProcess>();
  private readonly aborted = new Set<number>();

  constructor(
    private readonly init: LocalExecutorInit,
    private readonly listener: ExecutorListener,
  ) {
    this.info = init.info;
  }

  start(request: TaskRequest): void {
    const { rule, task } = request;
    if (rule.nested && this.init.runNested) {
      this.init.runNested(rule).then(
        (outcome) => this.report(task, outcome),
        (error: Error) => this.report(task, { ok: false, reason: `nested workflow: ${error.message}` }),
      );
      return;
    }
    if (!hasPerl()) {
      this.spawnDirect(request);
      return;
    }
    const launcher = this.idle.pop() ?? this.newLauncher();
    launcher.current = { task, rule, pid: undefined };
    const argv = simpleArgv(rule.command);
    const command = Buffer.from(argv ? argv.join("\0") : rule.command);
    const environment = Buffer.from(Object.entries(rule.environment).map(([k, v]) => `${k}=${v}`).join("\0"));
    const directory = Buffer.from(this.init.directory);
    launcher.process.stdin!.write(`${task}\t${command.length}\t${environment.length}\t${directory.length}${argv ? "\targv" : ""}\n`);
    launcher.process.stdin!.write(Buffer.concat([command, environment, directory]));
  }

  private newLauncher(): Launcher {
    const child = spawn("perl", [launcherScript], { stdio: ["pipe", this.init.outputFd, 2, "pipe"] });
    const launcher: Launcher = { process: child, current: undefined, buffer: "" };
    child.stdio[3]!.on("data", (data: Buffer) => {
      launcher.buffer += data.toString();
      for (let newline = launcher.buffer.indexOf("\n"); newline >= 0; newline = launcher.buffer.indexOf("\n")) {
        const [kind, , value] = launcher.buffer.slice(0, newline).split("\t");
        launcher.buffer = launcher.buffer.slice(newline + 1);
        this.launcherMessage(launcher, kind!, Number(value));
      }
    });
    child.on("exit", () => {
      const current = launcher.current;
      launcher.current = undefined;
      if (current) this.report(current.task, { ok: false, reason: "the launcher process died" });
    });
    this.all.push(launcher);
    return launcher;
  }

  private launcherMessage(launcher: Launcher, kind: string, value: number): void {
    const current = launcher.current;
    if (!current) return;
    if (kind === "S") {
      current.pid = value;
      return;
    }
    launcher.current = undefined;
    this.idle.push(launcher);
    const signal = value & 0x7f ? `signal ${value & 0x7f}` : null;
    this.report(current.task, exitOutcome(current.rule, this.init.directory, value >> 8, signal));
  }

  private spawnDirect({ task, rule }: TaskRequest): void {
    const child = spawn("/bin/sh", ["-c", rule.command], {
      cwd: this.init.directory,
      env: { ...process.env, ...rule.environment },
      stdio: ["ignore", this.init.outputFd, 2],
      detached: true,
    });
    this.direct.set(task, child);
    child.on("error", (error) => this.report(task, { ok: false, reason: error.message }));
    child.on("exit", (code, signal) => {
      this.direct.delete(task);
      this.report(task, exitOutcome(rule, this.init.directory, code, signal));
    });
  }

  private report(task: number, outcome: TaskOutcome): void {
    if (this.aborted.delete(task)) return;
    this.listener.finished(task, outcome);
  }

  abort(task: number): void {
    this.aborted.add(task);
    const launcher = this.all.find((l) => l.current?.task === task);
    const pid = launcher?.current?.pid ?? this.direct.get(task)?.pid;
    if (pid !== undefined) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }

  async close(): Promise<void> {
    for (const launcher of this.all) launcher.process.stdin!.end();
    for (const child of this.direct.values()) if (child.pid) process.kill(-child.pid, "SIGKILL");
  }
}
