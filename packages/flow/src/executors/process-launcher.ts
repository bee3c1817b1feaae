// skein-io-adapter: starts commands through a small forking process (launcher.c or launcher.pl).
/**
 * Starts commands for the local executor and for workers. Forking the large Node process costs
 * milliseconds per command; one small launcher process (launcher.c with clone(CLONE_VFORK), or
 * launcher.pl) starts each command in a fraction of one, runs any number at once, and reports
 * each exit on a pipe as soon as SIGCHLD arrives. A command leads its own process group; if this process dies
 * (even with kill -9) the launcher sees its standard input close and kills every running group;
 * if the launcher dies first, this process kills what is left in the launcher's session, and so
 * does the launcher's guardian process (see launcher.c) when both die together.
 * Commands without shell syntax are exec'd directly, skipping `/bin/sh`, as GNU make does.
 * With `coresMax`, requests beyond it wait in order inside the launcher and start the moment a
 * command ends, so the caller can keep its next tasks queued there and a core never idles
 * during the round trip through this process.
 * Without a launcher, commands are spawned from Node with the same guarantees except orphan killing.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import type { Readable } from "node:stream";
import { CommandScripts } from "./command-scripts.ts";
import { killedBy } from "./executor.ts";
import { writeRequests } from "./launcher-stdin.ts";
import { type LauncherKind, type LauncherProgram, launcherProgram, replaceLauncher } from "./launcher-program.ts";
import { killSession } from "./session-kill.ts";
import { simpleArgv } from "./simple-argv.ts";
import { missingDirectory } from "./working-directory.ts";

export { argvWordsMax, simpleArgv } from "./simple-argv.ts";

export interface CommandRequest {
  /** Unique among the launcher's running commands. */
  readonly id: number;
  readonly command: string;
  readonly environment: Readonly<Record<string, string>>;
  /** Working directory; undefined runs in the launcher's directory. */
  readonly directory?: string;
  /** Cores it takes of `coresMax` (default 1; one needing more than all runs alone). */
  readonly cores?: number;
  /** A file (absolute path) that receives the command's stdout and stderr, truncated first. */
  readonly output?: string;
}

/** A finished command: its exit code, or the signal that ended it. */
export interface CommandExit {
  readonly code: number | null;
  readonly signal: string | null;
  /** How long it ran, not counting its wait for cores (when the launcher measured it). */
  readonly durationMs?: number;
  /** Why it has no exit: the launcher died under it, or it could not start (its working directory gone); code and signal are then null. */
  readonly lost?: string;
}

export interface ProcessLauncherInit {
  /** Directory commands run in unless a request names another. */
  readonly directory: string;
  /** Where commands' standard output goes (an fd, or "ignore"). */
  readonly stdout: number | "ignore" | "inherit";
  /** Called once per command that was not killed through `kill`. */
  readonly exited: (id: number, exit: CommandExit) => void;
  /** Which launcher (default: the best available); tests run each. */
  readonly kind?: LauncherKind;
  /**
   * When a command ends, kill what is left of its process group (a `cmd &` it started), so
   * nothing outlives its task: a worker reuses sandboxes and shares cached inputs between
   * tasks. Off for local runs, where a command's background children live on, as under make.
   */
  readonly killGroupAtExit?: boolean;
  /** The launcher to start, instead of the one `kind` chooses (tests start stand-ins). */
  readonly program?: LauncherProgram;
  /** Cores running commands may take at once; later requests wait in order (default: no limit). */
  readonly coresMax?: number;
  /**
   * With `coresMax`: the C launcher holds reports of ended commands (up to 20 ms) while more
   * than this many requests still wait for cores, so many ends arrive in one read (default 0).
   */
  readonly holdReports?: number;
  /** Wraps the reports of one read, so the caller can act on them together. */
  readonly batch?: (run: () => void) => void;
  /** Says (one line, no newline) that a launcher was broken and which took its place (default: standard error). */
  readonly warn?: (message: string) => void;
}

/** UTF-8 length of a request part; most parts are empty and need no call into Node. */
function utf8Bytes(text: string): number {
  return text === "" ? 0 : Buffer.byteLength(text);
}

function environmentText(environment: Readonly<Record<string, string>>): string {
  let text = "";
  for (const name in environment) text += `${text === "" ? "" : "\0"}${name}=${environment[name]}`;
  return text;
}

export class ProcessLauncher {
  private launcher: ChildProcess | undefined;
  private program: LauncherProgram | undefined;
  /** The running launcher said its greeting: it works (until then, its death means it is broken). */
  private greeted = false;
  private launcherMissing: boolean;
  private readonly running = new Map<number, CommandRequest>();
  private readonly direct = new Map<number, ChildProcess>();
  private readonly killed = new Set<number>();
  /** Script files of commands too long to pass to `sh -c`. */
  private readonly scripts = new CommandScripts();
  /** Requests waiting for cores when commands are spawned from Node (launchers queue their own). */
  private readonly waiting: CommandRequest[] = [];
  private directCores = 0;
  private buffer = "";
  /** Requests of this turn, written to the launcher together at its end. */
  private unwritten: string[] = [];

  constructor(private readonly init: ProcessLauncherInit) {
    this.program = init.program ?? launcherProgram(init.kind);
    this.launcherMissing = this.program === undefined;
  }

  get runningCount(): number {
    return this.running.size + this.direct.size + this.waiting.length;
  }

  run(original: CommandRequest): void {
    const command = this.scripts.wrap(original.id, original.command);
    this.dispatch(command === original.command ? original : { ...original, command });
  }

  private dispatch(request: CommandRequest): void {
    if (this.launcherMissing) return this.submitDirect(request);
    const launcher = this.launcher ?? this.startLauncher();
    this.running.set(request.id, request);
    const argv = simpleArgv(request.command);
    const words = argv ? argv.join("\0") : request.command;
    const environment = environmentText(request.environment);
    const directory = request.directory ?? "";
    const output = request.output ?? "";
    // simpleArgv's words are ASCII: one byte a character
    const header = `R\t${request.id}\t${argv ? words.length : utf8Bytes(words)}\t${utf8Bytes(environment)}\t${utf8Bytes(directory)}\t${argv ? "argv" : "sh"}\t${request.cores ?? 1}\t${utf8Bytes(output)}\n`;
    this.write(launcher, header + words + environment + directory + output);
  }

  /**
   * Requests made in one turn of the event loop reach the launcher in one write of one string:
   * a stream write per request (even corked) costs more than building the request itself.
   */
  private write(launcher: ChildProcess, text: string): void {
    this.unwritten.push(text);
    if (this.unwritten.length > 1) return;
    process.nextTick(() => {
      const unwritten = this.unwritten;
      this.unwritten = [];
      if (unwritten.length > 0) writeRequests(launcher.stdin!, unwritten.length === 1 ? unwritten[0]! : unwritten.join(""));
    });
  }

  /** Kills the command's process group; its exit is not reported. */
  kill(id: number): void {
    const queued = this.waiting.findIndex((request) => request.id === id);
    if (queued >= 0) {
      this.waiting.splice(queued, 1);
      this.scripts.release(id);
      return;
    }
    const child = this.direct.get(id);
    if (child) {
      this.direct.delete(id);
      killGroup(child.pid);
      return;
    }
    if (!this.running.has(id)) return;
    this.killed.add(id);
    if (this.launcher) this.write(this.launcher, `K\t${id}\n`);
  }

  /**
   * Ends the launcher: running commands are killed. Resolves once the launcher has exited — it
   * kills every command's process group and reaps them first — so when it resolves no command
   * of this launcher runs any more.
   */
  close(): Promise<void> {
    const launcher = this.launcher;
    this.launcher = undefined;
    const exited =
      launcher === undefined || launcher.exitCode !== null || launcher.signalCode !== null
        ? Promise.resolve()
        : new Promise<void>((resolve) => launcher.once("exit", () => resolve()));
    launcher?.stdin?.end();
    for (const child of this.direct.values()) killGroup(child.pid);
    this.direct.clear();
    this.waiting.length = 0;
    this.scripts.close();
    return exited;
  }

  private startLauncher(): ChildProcess {
    const program = this.program!;
    const { coresMax, holdReports, killGroupAtExit } = this.init;
    const args =
      coresMax === undefined && !killGroupAtExit ? program.args : [...program.args, String(coresMax ?? 0), String(holdReports ?? 0), killGroupAtExit ? "1" : "0"];
    // detached: the launcher leads a session of its own, so a terminal's Ctrl-C or hang-up (sent
    // to this process's whole group) reaches only this process, which then stops the run through
    // the launcher; the launcher dying of it first would leave its commands running.
    const child = spawn(program.command, args, { cwd: this.init.directory, stdio: ["pipe", this.init.stdout, "inherit", "pipe"], detached: true });
    this.launcher = child;
    this.greeted = false;
    // a line cut short by an earlier launcher's death must not prefix this one's first answer
    this.buffer = "";
    child.stdin!.on("error", () => {}); // the launcher died: handled on exit
    const answers = child.stdio[3] as Readable;
    answers.setEncoding("latin1");
    answers.on("data", (text: string) => {
      // what a dead launcher still had in its pipe: its commands were reported lost at its exit
      if (this.launcher === child || this.launcher === undefined) this.answers(text);
    });
    let replaced = false;
    const fallBack = (why: string) => {
      replaced = true;
      this.fallBack(program, why);
    };
    // it could not start at all (missing, not executable): it ran nothing. Its working
    // directory gone (removed during a run) fails the same way (ENOENT) and is no fault of it
    child.on("error", (error: NodeJS.ErrnoException) => {
      if (this.launcher !== child || this.greeted) return;
      const gone = missingDirectory(this.init.directory);
      if (gone === undefined) return fallBack(`cannot start it (${error.code ?? error.message})`);
      replaced = true;
      this.cannotStart(`cannot start the command: its ${gone}`);
    });
    child.on("exit", (code, signal) => {
      const reason = signal ? killedBy(signal) : `exit code ${code}`;
      if (replaced) return;
      if (this.launcher !== child) return this.lost(child, reason, false); // ended by close()
      // its greeting may still be in the pipe: decide once the pipe is read to its end
      const decide = () => {
        if (this.launcher !== child) return;
        if (this.greeted) this.lost(child, reason, true);
        else fallBack(`${reason} before it answered`);
      };
      if (this.greeted || answers.readableEnded || answers.destroyed) decide();
      else answers.once("close", decide);
    });
    return child;
  }

  /**
   * The launcher ended with commands it had not reported: after close(), or died under them
   * (`unexpected`: kill -9, the OOM killer) — then they would live on as orphans, still
   * writing while their rules rerun, so they are found by the launcher's session and killed.
   */
  private lost(child: ChildProcess, reason: string, unexpected: boolean): void {
    if (unexpected) this.launcher = undefined;
    if (this.launcherMissing) return;
    const lost = [...this.running.keys()];
    this.running.clear();
    if (unexpected && lost.length > 0 && child.pid !== undefined) killSession(child.pid);
    for (const id of lost) this.report(id, { code: null, signal: null, lost: `the launcher process died (${reason}) while the command ran` });
  }

  /**
   * The launcher died without its greeting, before it read a request: a broken program (a
   * truncated cached build, a binary that exits at once, a missing perl). Its requests go to
   * the next launcher — the C launcher rebuilt once, then Perl, then Node's spawn — with one
   * line saying so.
   */
  private fallBack(broken: LauncherProgram, why: string): void {
    this.launcher = undefined;
    this.unwritten = [];
    const next = replaceLauncher(broken);
    const instead = next === undefined ? "starting commands from Node instead" : next.kind === "c" ? `rebuilt it (${next.command})` : "using the Perl launcher instead";
    (this.init.warn ?? ((message) => process.stderr.write(`${message}\n`)))(`skein flow: the ${broken.kind === "c" ? "C" : "Perl"} launcher ${broken.command} is broken (${why}); ${instead}`);
    this.program = next;
    this.launcherMissing = next === undefined;
    const pending = [...this.running.values()];
    this.running.clear();
    for (const request of pending) {
      if (this.killed.has(request.id)) this.report(request.id, { code: null, signal: "SIGKILL" });
      else this.dispatch(request);
    }
  }

  /**
   * The launcher could not start for want of its working directory: its requests fail, each
   * saying why; the next request starts a launcher again (the directory may be back).
   */
  private cannotStart(why: string): void {
    this.launcher = undefined;
    this.unwritten = [];
    const pending = [...this.running.keys()];
    this.running.clear();
    for (const id of pending) this.report(id, this.killed.has(id) ? { code: null, signal: "SIGKILL" } : { code: null, signal: null, lost: why });
  }

  private answers(text: string): void {
    this.buffer += text;
    if (this.init.batch) this.init.batch(() => this.reportAnswers());
    else this.reportAnswers();
  }

  /** Reports each complete "E\t<id>\t<wait status>[\t<microseconds>]" line in the buffer. */
  private reportAnswers(): void {
    const buffer = this.buffer;
    let start = 0;
    for (let newline = buffer.indexOf("\n"); newline >= 0; newline = buffer.indexOf("\n", start)) {
      if (buffer.charCodeAt(start) === 72 /* H, the greeting */) {
        this.greeted = true;
        start = newline + 1;
        continue;
      }
      const first = buffer.indexOf("\t", start);
      const second = buffer.indexOf("\t", first + 1);
      const third = buffer.indexOf("\t", second + 1);
      const id = Number(buffer.slice(first + 1, second));
      const hasDuration = third >= 0 && third < newline;
      const status = Number(buffer.slice(second + 1, hasDuration ? third : newline));
      const durationMs = hasDuration ? Number(buffer.slice(third + 1, newline)) / 1000 : undefined;
      start = newline + 1;
      if (!this.running.delete(id)) continue;
      const signal = status & 0x7f;
      const exit = signal ? { code: null, signal: `signal ${signal}` } : { code: status >> 8, signal: null };
      this.report(id, durationMs === undefined ? exit : { ...exit, durationMs });
    }
    this.buffer = buffer.slice(start);
  }

  private report(id: number, exit: CommandExit): void {
    this.scripts.release(id);
    if (this.killed.delete(id)) return;
    this.init.exited(id, exit);
  }

  private submitDirect(request: CommandRequest): void {
    this.waiting.push(request);
    this.startWaiting();
  }

  /** Spawns waiting requests, in order, while their cores are free (as the launchers do). */
  private startWaiting(): void {
    const coresMax = this.init.coresMax;
    while (this.waiting.length > 0) {
      const cores = coresMax === undefined ? 0 : Math.min(Math.max(this.waiting[0]!.cores ?? 1, 1), coresMax);
      if (coresMax !== undefined && this.directCores > 0 && this.directCores + cores > coresMax) return;
      this.directCores += cores;
      this.spawnDirect(this.waiting.shift()!, cores);
    }
  }

  private spawnDirect(request: CommandRequest, cores: number): void {
    let outputFd: number | undefined;
    try {
      if (request.output !== undefined) outputFd = openSync(request.output, "w", 0o644);
    } catch {
      this.directCores -= cores;
      this.scripts.release(request.id);
      queueMicrotask(() => this.init.exited(request.id, { code: 126, signal: null }));
      return;
    }
    const child = spawn("/bin/sh", ["-c", request.command], {
      cwd: request.directory ?? this.init.directory,
      env: { ...process.env, ...request.environment },
      stdio: outputFd === undefined ? ["ignore", this.init.stdout, "inherit"] : ["ignore", outputFd, outputFd],
      detached: true,
    });
    if (outputFd !== undefined) closeSync(outputFd);
    this.direct.set(request.id, child);
    let reported = false;
    const done = (exit: CommandExit) => {
      if (reported) return;
      reported = true;
      this.directCores -= cores;
      this.scripts.release(request.id);
      this.startWaiting();
      if (this.direct.get(request.id) !== child) return; // killed
      this.direct.delete(request.id);
      this.init.exited(request.id, exit);
    };
    child.on("error", () => {
      const gone = missingDirectory(request.directory ?? this.init.directory);
      done(gone === undefined ? { code: 127, signal: null } : { code: null, signal: null, lost: `cannot start the command: its ${gone}` });
    });
    child.on("exit", (code, signal) => {
      if (this.init.killGroupAtExit) killGroup(child.pid);
      done({ code, signal });
    });
  }
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}
