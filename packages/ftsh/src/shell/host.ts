/**
 * What the interpreter needs from the operating system, as one narrow interface: run a program
 * (and kill its whole process group when cancelled), open files for redirection, write to the
 * standard streams, test files. `processHost` implements it with Node; unit tests use a fake.
 */
import { variableBytesMax } from "../language/limits.ts";

/** Where a stream's output goes: ftsh's own stdout/stderr, an open file, or a variable. */
export type OutputSink =
  | { kind: "inherit"; fd: 1 | 2 }
  | { kind: "file"; handle: number }
  | { kind: "capture"; buffer: CaptureBuffer };

/** Where a command's input comes from: ftsh's own stdin, an open file, or a variable's text. */
export type InputSource = { kind: "inherit" } | { kind: "file"; handle: number } | { kind: "text"; text: string };

export interface Stdio {
  input: InputSource;
  output: OutputSink;
  error: OutputSink;
}

export interface ProcessRequest {
  argv: string[];
  cwd: string;
  environment: Record<string, string>;
  stdio: Stdio;
}

/** How a program ended. `cancelled`: its process group was killed because the signal aborted. */
export type ProcessOutcome =
  | { kind: "exited"; pid: number; exitCode: number }
  | { kind: "signalled"; pid: number; signal: string }
  | { kind: "not-started"; reason: string }
  | { kind: "cancelled"; pid: number | undefined; killSignal: "SIGTERM" | "SIGKILL" | undefined }
  | { kind: "output-limit"; pid: number; bytesMax: number };

export type FileTest =
  | "exists"
  | "isr"
  | "isw"
  | "isx"
  | "isblock"
  | "ischar"
  | "isdir"
  | "isfile"
  | "islink"
  | "ispipe"
  | "issock";

export interface ShellHost {
  /** ftsh's own process id (`$$`). */
  readonly pid: number;
  /** The user's home directory (for a bare `cd`). */
  homeDirectory(): string;
  /**
   * Runs a program to completion. When `signal` aborts, kills the program's whole process group
   * (SIGTERM, then SIGKILL after the grace period) and resolves only once the group is gone.
   */
  run(request: ProcessRequest, signal: AbortSignal): Promise<ProcessOutcome>;
  /**
   * Opens `path` (absolute) for a redirection; rejects with a readable message on failure. An
   * open can wait (a FIFO with nobody at its other end): when `signal` aborts meanwhile, it
   * rejects with the signal's reason and leaves nothing waiting behind.
   */
  openFile(path: string, mode: "input" | "output" | "append", signal?: AbortSignal): Promise<number>;
  closeFile(handle: number): Promise<void>;
  /**
   * Writes text to ftsh's stdout/stderr or to an open file; resolves once written. A reader that
   * does not read makes it wait without blocking anything else; when `signal` aborts meanwhile,
   * it rejects with the signal's reason.
   */
  write(sink: { kind: "inherit"; fd: 1 | 2 } | { kind: "file"; handle: number }, text: string, signal?: AbortSignal): Promise<void>;
  /** Waits until ftsh's own output is written; when `signal` aborts, gives up what is left. */
  flush?(signal?: AbortSignal): Promise<void>;
  /** Answers a file test (`.isdir.` …); rejects if the file cannot be examined at all. */
  testFile(test: FileTest, path: string): Promise<boolean>;
}

/** Output being captured into a variable, bounded by `variableBytesMax`. */
export class CaptureBuffer {
  private readonly chunks: string[] = [];
  private bytes = 0;

  constructor(
    initial = "",
    readonly bytesMax = variableBytesMax,
  ) {
    if (initial) this.append(initial);
  }

  /** Appends text; returns false (and keeps nothing more) once the limit would be exceeded. */
  append(text: string): boolean {
    const bytes = Buffer.byteLength(text);
    if (this.bytes + bytes > this.bytesMax) return false;
    this.bytes += bytes;
    this.chunks.push(text);
    return true;
  }

  text(): string {
    return this.chunks.join("");
  }
}
