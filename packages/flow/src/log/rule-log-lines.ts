// skein-io-adapter: looks up a done rule's targets, to record what they were in the log.
/**
 * The lines a run appends to its log for a rule's state change: the rule line (both hashes,
 * worked out once per rule), and its targets' file lines (file-lines.ts) — before the first
 * "running" line of the rule in this run, and after each "done" line (and a "failed" one of a
 * rule this run started), with each target's size and modification time then.
 */
import { lstatSync } from "node:fs";
import { absolutePath } from "../paths.ts";
import type { RuleState } from "../schedule/types.ts";
import type { Rule } from "../workflow.ts";
import { fileDoneLine, fileFailedLine, fileRunningLine, microseconds } from "./file-lines.ts";
import { logLineBytesMax } from "./log-file.ts";
import { logHashes, logLine } from "./transaction-log.ts";

/** A file line's length without its name, at most (time, state, size, time with a fraction). */
const fileLineBytesWithoutName = 80;

export class RuleLogLines {
  private readonly hashes = new Map<number, string>();
  /** 1 for the rules whose file lines this run has written. */
  private readonly named: Uint8Array;

  constructor(
    private readonly rules: readonly Rule[],
    /** The workflow's directory: targets' names are relative to it. */
    private readonly directory: string,
    private readonly log: { append(line: string): void },
  ) {
    this.named = new Uint8Array(rules.length);
  }

  /**
   * Appends the lines for rule `rule` entering `state` (attempt `attempt`) at `timeMs` (epoch).
   * A rule failed before its first attempt (attempt 0: refused, no executor could ever run it)
   * gets none: it made nothing, and a run refused whole leaves no log behind.
   */
  append(timeMs: number, rule: number, state: RuleState, attempt: number): void {
    if (attempt === 0) return;
    let hash = this.hashes.get(rule);
    if (hash === undefined) this.hashes.set(rule, (hash = logHashes(this.rules[rule]!)));
    const targets = this.rules[rule]!.targets;
    if (state === "running" && this.named[rule] === 0) {
      this.named[rule] = 1;
      for (const target of targets) if (fits(target.path)) this.log.append(fileRunningLine(timeMs, target.path));
    }
    this.log.append(logLine(timeMs, rule, state, attempt, hash));
    // what a rule that failed for good left is recorded too, if this run started it (a start
    // refused, its targets untouched, records nothing): partial output, the workflow's while
    // unchanged, even after later runs that leave it be
    if (state !== "done" && (state !== "failed" || this.named[rule] === 0)) return;
    const line = state === "done" ? fileDoneLine : fileFailedLine;
    for (const target of targets) {
      if (!fits(target.path)) continue;
      const stat = lstatSync(absolutePath(this.directory, target.path), { throwIfNoEntry: false });
      if (stat !== undefined) this.log.append(line(timeMs, target.path, stat.size, microseconds(stat.mtimeMs)));
    }
  }
}

/** Whether a file line of `name` stays within the longest line a log may hold (escaped, a byte may take 3). */
function fits(name: string): boolean {
  return name.length * 9 + fileLineBytesWithoutName <= logLineBytesMax || Buffer.byteLength(name) * 3 + fileLineBytesWithoutName <= logLineBytesMax;
}
