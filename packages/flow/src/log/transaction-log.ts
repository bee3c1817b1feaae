/**
 * The transaction log: one line per state change of a rule, appended and synced, so a master
 * killed at any moment resumes where it stopped. A line reads
 *
 *     <time ms> <rule index> <state> <attempt> <rule hash> <targets hash>
 *
 * The rule hash covers the rule's command, targets and sources: editing a rule makes its old
 * lines stale, and the rule runs again; a rule that only moved (a rule added or removed above
 * it) is found by its hashes and keeps its lines. The targets hash covers only the targets: `--clean`
 * still removes what an earlier version of a rule made, when it made the same files. (Logs
 * written before the targets hash have five fields; they are read the same way.) A torn last
 * line (a kill mid-write) is ignored.
 */
import { fnv1a32 } from "../fnv.ts";
import type { FileReference, Rule } from "../workflow.ts";
import type { RuleState } from "../schedule/types.ts";
import { LiveLines } from "./live-lines.ts";

export const logHeader = "# skein-flow-log 1";

/**
 * FNV-1a, 32 bits, over the parts of a rule that decide what it makes. Files count as written
 * (`/w/b`, `../w/b`), not by the name the DAG gives them (`b`): logs written before files had
 * one name stay valid, and a rule respelled is a changed rule, as any edit of its text.
 */
export function ruleHash(rule: Rule): string {
  return fnv1a32(`${rule.command}\0${rule.targets.map(spelling).join("\0")}\0${rule.sources.map(spelling).join("\0")}`);
}

/** Both hashes of a rule, as its log lines carry them: the rule hash, a space, the targets hash. */
export function logHashes(rule: Rule): string {
  return `${ruleHash(rule)} ${fnv1a32(rule.targets.map(spelling).join("\0"))}`;
}

const spelling = (file: FileReference): string => file.written ?? file.path;

/** A log line; `hash` is `logHashes(rule)` (or, in tests, a rule hash alone, as older logs have). */
export function logLine(timeMs: number, rule: number, state: RuleState, attempt: number, hash: string): string {
  return `${Math.round(timeMs)} ${rule} ${state} ${attempt} ${hash}\n`;
}

export interface LogSummary {
  /** Rules whose last valid line says done. */
  readonly done: Set<number>;
  /**
   * Rules that ever started, in this version or in an earlier one with the same targets (their
   * targets were made by this workflow).
   */
  readonly started: Set<number>;
  /** Rules whose last line says running: interrupted, their outputs may be partial. */
  readonly interrupted: Set<number>;
  /** Rules whose last line says failed: they failed for good when last run. */
  readonly failed: Set<number>;
  /** Lines per rule that say done, for checking that nothing completed twice. */
  readonly doneLines: Map<number, number>;
  /** When (epoch ms) each rule's last done line was written. */
  readonly doneAtMs: Map<number, number>;
}

/**
 * A log file that is not one: another program's file under the log's name, or a log of
 * another format. Nothing is run or cleaned on its word, nor appended to it.
 */
export class LogFormatError extends Error {}

/**
 * A line as the log's writer writes it: five fields, or six with the targets hash. Hashes are
 * any lower-case word (tests write short ones).
 */
const validLine = /^\d+ \d+ [a-z]+ \d+ [0-9a-z]+( [0-9a-z]+)?$/;
/**
 * The start of a valid line: what a write cut short by a kill or a power loss leaves (the next
 * run ends it with a newline), read as nothing — its command had not started.
 */
const tornLine = /^(\d+( (\d+( ([a-z]+( (\d+( ([0-9a-z]+( [0-9a-z]*)?)?)?)?)?)?)?)?)?)?$/;

/**
 * Reads a log line by line (`line` per complete line, numbered from 1, without its newline;
 * `end` with the unterminated rest, a torn last write), so a log of any size is read in bounded
 * memory, and replays it against the current rules. A line whose rule index now names another
 * rule is the rule's with the line's hashes, wherever it moved; lines for other rule texts are
 * ignored; a file that does not start with the header (unless it is only the header's torn
 * start) is a LogFormatError naming `source`, and so is a line that is neither a log line nor
 * the torn start of one (nor the zeros a power loss may leave), naming `source:line`.
 */
export class LogReader {
  private readonly hashes = new Map<number, string[]>();
  private readonly moved: ReturnType<typeof movedRules>;
  private readonly last = new Map<number, string>();
  private readonly started = new Set<number>();
  private readonly doneLines = new Map<number, number>();
  private readonly doneAtMs = new Map<number, number>();
  /** What a compaction keeps of the lines read so far. */
  readonly live: LiveLines;

  constructor(
    private readonly rules: readonly Rule[],
    private readonly source = "the log",
  ) {
    this.moved = movedRules(rules);
    this.live = new LiveLines(rules.length);
  }

  line(line: string, lineNumber: number): void {
    if (lineNumber === 1) return checkHeader(line, true, this.source);
    if (!line || line.startsWith("#")) return;
    if (!validLine.test(line)) {
      if (tornLine.test(line.includes("\0") ? line.replaceAll("\0", "") : line)) return;
      const shown = JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}…` : line);
      throw new LogFormatError(`${this.source}:${lineNumber}: not a log line (${shown}): the log is damaged; delete that line, or move the log away to start afresh`);
    }
    this.replay(line, lineNumber);
  }

  /** The unterminated end of the file (a torn write), if any: only a torn header matters. */
  end(rest: string, lineNumber: number): void {
    if (lineNumber === 1 && rest !== "") checkHeader(rest, false, this.source);
  }

  private replay(line: string, lineNumber: number): void {
    const [timeText, ruleText, state, , hash, targetsHash] = line.split(" ");
    let rule = Number(ruleText);
    const [ruleHashNow, targetsHashNow] = rule < this.rules.length ? this.hashesOf(rule) : [];
    if (hash === ruleHashNow && targetsHash === targetsHashNow) this.live.addCurrent(rule, state!, lineNumber, line.length + 1);
    else this.live.addOther(`${ruleText} ${hash} ${targetsHash ?? ""}`, state!, lineNumber, line.length + 1);
    if (hash !== ruleHashNow) {
      // a rule added or removed before this one moved it: its lines still count, found by hash
      const now = this.moved.byHashes(hash, targetsHash);
      if (now === undefined) {
        // an earlier version made these files
        const maker = targetsHash === undefined ? undefined : targetsHash === targetsHashNow ? rule : this.moved.byTargets(targetsHash);
        if (state === "running" && maker !== undefined) this.started.add(maker);
        return;
      }
      rule = now;
    }
    this.last.set(rule, state!);
    if (state === "running") this.started.add(rule);
    if (state === "done") {
      this.doneLines.set(rule, (this.doneLines.get(rule) ?? 0) + 1);
      this.doneAtMs.set(rule, Number(timeText));
    }
  }

  private hashesOf(rule: number): string[] {
    let both = this.hashes.get(rule);
    if (both === undefined) this.hashes.set(rule, (both = logHashes(this.rules[rule]!).split(" ")));
    return both;
  }

  summary(): LogSummary {
    const done = new Set<number>();
    const interrupted = new Set<number>();
    const failed = new Set<number>();
    for (const [rule, state] of this.last) {
      if (state === "done") done.add(rule);
      else if (state === "running") interrupted.add(rule);
      else if (state === "failed") failed.add(rule);
    }
    return { done, started: this.started, interrupted, failed, doneLines: this.doneLines, doneAtMs: this.doneAtMs };
  }
}

/** Replays a log held in a string (tests; the run reads its file with `readLogFile`). */
export function readLog(text: string, rules: readonly Rule[], source = "the log"): LogSummary {
  const reader = new LogReader(rules, source);
  const lines = text.split("\n");
  const rest = lines.pop()!; // "" when the text ends with a newline
  for (const [index, line] of lines.entries()) reader.line(line, index + 1);
  reader.end(rest, lines.length + 1);
  return reader.summary();
}

/**
 * Rules by their hashes, for lines whose rule index now names another rule (a rule was added
 * or removed above it): built on the first such line only, so a log of an unchanged workflow
 * costs nothing more. A hash two rules share (32 bits can collide) names neither.
 */
function movedRules(rules: readonly Rule[]): { byHashes(hash: string | undefined, targetsHash: string | undefined): number | undefined; byTargets(targetsHash: string): number | undefined } {
  let both: Map<string, number> | undefined;
  let ruleOnly: Map<string, number> | undefined;
  let targetsOnly: Map<string, number> | undefined;
  const add = (map: Map<string, number>, key: string, rule: number) => map.set(key, map.has(key) ? -1 : rule);
  const build = () => {
    both = new Map();
    ruleOnly = new Map();
    targetsOnly = new Map();
    for (const [index, rule] of rules.entries()) {
      const hashes = logHashes(rule);
      add(both, hashes, index);
      add(ruleOnly, hashes.slice(0, hashes.indexOf(" ")), index);
      add(targetsOnly, hashes.slice(hashes.indexOf(" ") + 1), index);
    }
  };
  const found = (rule: number | undefined) => (rule === undefined || rule < 0 ? undefined : rule);
  return {
    byHashes(hash, targetsHash) {
      if (hash === undefined) return undefined;
      if (both === undefined) build();
      // lines written before the targets hash have only the rule hash
      return found(targetsHash === undefined ? ruleOnly!.get(hash) : both!.get(`${hash} ${targetsHash}`));
    },
    byTargets(targetsHash) {
      if (targetsOnly === undefined) build();
      return found(targetsOnly!.get(targetsHash));
    },
  };
}

/** The first line of a log: the header, or (when unterminated, a kill during the first write) its start. */
function checkHeader(first: string, ended: boolean, source: string): void {
  if (first === logHeader || (!ended && logHeader.startsWith(first))) return;
  throw notALog(first, source);
}

/** The error for a file whose first line is not the header. */
export function notALog(first: string, source: string): LogFormatError {
  const format = /^# skein-flow-log (\S+)$/.exec(first)?.[1];
  if (format !== undefined) return new LogFormatError(`${source}: a skein flow log of format ${format}; this skein reads format 1`);
  const shown = JSON.stringify(first.length > 40 ? `${first.slice(0, 40)}…` : first);
  return new LogFormatError(`${source}: not a skein flow log (it starts ${shown}, not "${logHeader}"); move it away to start afresh`);
}
