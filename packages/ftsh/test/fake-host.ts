// An in-memory ShellHost for interpreter tests: programs are TypeScript functions running on
// the fake clock, files live in a Map, and ftsh's own stdout/stderr are strings.
import type { FileTest, OutputSink, ProcessOutcome, ProcessRequest, ShellHost } from "../src/shell/host.ts";
import type { FakeEnvironment } from "./fake-environment.ts";

export interface FakeProgramIo {
  args: string[];
  stdin: string;
  cwd: string;
  environment: Record<string, string>;
  write(fd: 1 | 2, text: string): void;
  signal: AbortSignal;
}

/** A program: resolves to its exit code. It should stop when `signal` aborts, as a killed process would. */
export type FakeProgram = (io: FakeProgramIo) => Promise<number>;

export class FakeHost implements ShellHost {
  readonly pid = 4242;
  stdout = "";
  stderr = "";
  readonly files = new Map<string, string>();
  readonly directories = new Set<string>(["/", "/work", "/tmp", "/home/user"]);
  readonly programs = new Map<string, FakeProgram>();
  /** Every program run, with its outcome. */
  readonly runs: Array<{ argv: string[]; outcome: ProcessOutcome }> = [];
  private readonly handles = new Map<number, { path: string; mode: string; offset: number }>();
  private nextHandle = 10;

  constructor(private readonly environment: FakeEnvironment) {
    this.programs.set("true", async () => 0);
    this.programs.set("false", async () => 1);
    this.programs.set("sleep", async ({ args, signal }) => {
      await environment.sleep(Number(args[1]) * 1000, signal);
      return 0;
    });
    this.programs.set("cat", async ({ stdin, write }) => {
      write(1, stdin);
      return 0;
    });
  }

  homeDirectory(): string {
    return "/home/user";
  }

  async run(request: ProcessRequest, signal: AbortSignal): Promise<ProcessOutcome> {
    const program = this.programs.get(request.argv[0]!);
    if (!program) return this.finish(request, { kind: "not-started", reason: "no such program" });
    const output: Record<1 | 2, OutputSink> = { 1: request.stdio.output, 2: request.stdio.error };
    let stdin = "";
    if (request.stdio.input.kind === "text") stdin = request.stdio.input.text;
    if (request.stdio.input.kind === "file") stdin = this.files.get(this.handles.get(request.stdio.input.handle)!.path) ?? "";
    const io: FakeProgramIo = {
      args: request.argv,
      stdin,
      cwd: request.cwd,
      environment: request.environment,
      signal,
      write: (fd, text) => void this.writeSink(output[fd], text),
    };
    try {
      const exitCode = await program(io);
      return this.finish(request, { kind: "exited", pid: 1000 + this.runs.length, exitCode });
    } catch (error) {
      if (signal.aborted) return this.finish(request, { kind: "cancelled", pid: 1000 + this.runs.length, killSignal: "SIGTERM" });
      throw error;
    }
  }

  private finish(request: ProcessRequest, outcome: ProcessOutcome): ProcessOutcome {
    this.runs.push({ argv: request.argv, outcome });
    return outcome;
  }

  /** Paths whose open waits until cancelled, as a FIFO's does while nothing opens its other end. */
  readonly blockingOpens = new Set<string>();

  async openFile(path: string, mode: "input" | "output" | "append", signal?: AbortSignal): Promise<number> {
    if (this.blockingOpens.has(path)) {
      await new Promise<never>((_, reject) => {
        if (signal?.aborted) reject(signal.reason);
        signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
      });
    }
    const parent = path.slice(0, path.lastIndexOf("/")) || "/";
    if (!this.directories.has(parent)) throw new Error("no such directory");
    if (mode === "input" && !this.files.has(path)) throw new Error("no such file");
    if (mode === "output") this.files.set(path, "");
    if (mode === "append" && !this.files.has(path)) this.files.set(path, "");
    const handle = this.nextHandle++;
    this.handles.set(handle, { path, mode, offset: 0 });
    return handle;
  }

  async closeFile(handle: number): Promise<void> {
    if (!this.handles.delete(handle)) throw new Error(`closing handle ${handle} twice`);
  }

  get openHandles(): number {
    return this.handles.size;
  }

  async write(sink: { kind: "inherit"; fd: 1 | 2 } | { kind: "file"; handle: number }, text: string): Promise<void> {
    this.writeSink(sink, text);
  }

  private writeSink(sink: OutputSink, text: string): void {
    if (sink.kind === "capture") sink.buffer.append(text);
    else if (sink.kind === "file") {
      const path = this.handles.get(sink.handle)!.path;
      this.files.set(path, (this.files.get(path) ?? "") + text);
    } else if (sink.fd === 1) this.stdout += text;
    else this.stderr += text;
  }

  async testFile(test: FileTest, path: string): Promise<boolean> {
    const isDirectory = this.directories.has(path);
    const isFile = this.files.has(path);
    switch (test) {
      case "exists":
      case "isr":
      case "isw":
        return isDirectory || isFile;
      case "isdir":
        return isDirectory;
      case "isfile":
        return isFile;
      default:
        return false;
    }
  }
}
