/**
 * The structured log written by `--log FILE`: one JSON object per line, for every command, every
 * `try` attempt, its outcome and the delay chosen, every forany alternative and forall branch.
 * Records are appended (parallel and nested shells may share one file, as in ftsh) and bounded
 * by `logBytesMax`; one final `log-truncated` record marks the point where logging stopped.
 */
import type { Position } from "../language/ast.ts";
import { logBytesMax } from "../language/limits.ts";
import { describeError } from "./failure.ts";

export interface ScriptLog {
  record(event: string, position: Position | undefined, fields?: Record<string, unknown>): void;
}

/** A log that keeps nothing. */
export const silentLog: ScriptLog = { record: () => {} };

/**
 * Writes records as JSON Lines through `write`, timestamped by `clockMs` (epoch milliseconds).
 * Every record carries `pid`, the process id of the ftsh writing it: nested and parallel shells
 * may share one file, and their records interleave.
 */
export class JsonLinesLog implements ScriptLog {
  private bytes = 0;
  private truncated = false;

  constructor(
    private readonly file: string,
    private readonly write: (line: string) => void,
    private readonly clockMs: () => number,
    private readonly bytesMax = logBytesMax,
    private readonly pid = process.pid,
  ) {}

  record(event: string, position: Position | undefined, fields: Record<string, unknown> = {}): void {
    if (this.truncated) return;
    const where = position ? { file: this.file, line: position.line, column: position.column } : { file: this.file };
    const line = `${JSON.stringify({ timeMs: this.clockMs(), event, pid: this.pid, ...where, ...serializable(fields) })}\n`;
    const bytes = Buffer.byteLength(line);
    if (this.bytes + bytes > this.bytesMax - 256) {
      this.truncated = true;
      this.write(`${JSON.stringify({ timeMs: this.clockMs(), event: "log-truncated", pid: this.pid, bytesMax: this.bytesMax })}\n`);
      return;
    }
    this.bytes += bytes;
    this.write(line);
  }
}

function serializable(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(fields).map(([key, value]) => [key, value instanceof Error ? describeError(value) : value]),
  );
}
