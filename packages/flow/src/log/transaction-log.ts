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
 * line (a kill mid-write) is ignored. Between them, `# FILE` lines name each target made, by
 * name (file-lines.ts, file-records.ts): what the workflow made is known per file, whatever
 * rule or order of targets names it now.
 */
import type { Rule } from "../workflow.ts";
import type { RuleState } from "../schedule/types.ts";
import { FileRecords, type MadeFiles } from "./file-records.ts";
import { LiveLines } from "./live-lines.ts";
import { hexNumber, NumberKeys } from "./number-keys.ts";
import { hex, reorderedTargetsHashes, ruleHashNumber, targetsHashNumber } from "./rule-hashes.ts";
import { DoneNumbers, RuleRecords, RuleSet, StateCode, stateCode } from "./rule-records.ts";

export const logHeader = "# skein-flow-log 1";

/**
 * FNV-1a, 32 bits, over the parts of a rule that decide what it makes. Files count as written
 * (`/w/b`, `../w/b`), not by the name the DAG gives them (`b`): logs written before files had
 * one name stay valid, and a rule respelled is a changed rule, as any edit of its text.
 */
export function ruleHash(rule: Rule): string {
  return hex(ruleHashNumber(rule));
}

/** Both hashes of a rule, as its log lines carry them: the rule hash, a space, the targets hash. */
export function logHashes(rule: Rule): string {
  return `${hex(ruleHashNumber(rule))} ${hex(targetsHashNumber(rule))}`;
}

/** A log line; `hash` is `logHashes(rule)` (or, in tests, a rule hash alone, as older logs have). */
export function logLine(timeMs: number, rule: number, state: RuleState, attempt: number, hash: string): string {
  return `${Math.round(timeMs)} ${rule} ${state} ${attempt} ${hash}\n`;
}

/** What a log says of the current rules (sets and maps of rule indexes, iterated in ascending order). */
export interface LogSummary {
  /** Rules whose last valid line says done. */
  readonly done: ReadonlySet<number>;
  /**
   * Rules that ever started, in this version or in an earlier one with the same targets (their
   * targets were made by this workflow).
   */
  readonly started: ReadonlySet<number>;
  /** Rules whose last line says running: interrupted, their outputs may be partial. */
  readonly interrupted: ReadonlySet<number>;
  /** Rules whose last line says failed: they failed for good when last run. */
  readonly failed: ReadonlySet<number>;
  /** Lines per rule that say done, for checking that nothing completed twice. */
  readonly doneLines: ReadonlyMap<number, number>;
  /** When (epoch ms) each rule's last done line was written. */
  readonly doneAtMs: ReadonlyMap<number, number>;
  /** The files the log names as made by the workflow (its file lines; none in a log written before them). */
  readonly files: MadeFiles;
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
  /** Each current rule's two hashes, worked out on its first line (`hashed`). */
  private readonly ruleHashes: Uint32Array;
  private readonly targetsHashes: Uint32Array;
  private readonly hashed: Uint8Array;
  private readonly moved: ReturnType<typeof movedRules>;
  private readonly records: RuleRecords;
  /**
   * Targets hashes of "running" lines that no rule's targets have now: an earlier version's, of
   * a rule whose targets may since have been reordered (`summary` looks for them).
   */
  private readonly unmatchedStarts = new Set<number>();
  /** What a compaction keeps of the lines read so far. */
  readonly live: LiveLines;
  /** The file lines read so far. */
  private readonly files: FileRecords;

  constructor(
    private readonly rules: readonly Rule[],
    private readonly source = "the log",
  ) {
    this.moved = movedRules(rules);
    this.files = new FileRecords(rules);
    this.live = new LiveLines(rules.length, this.files);
    this.records = new RuleRecords(rules.length);
    this.ruleHashes = new Uint32Array(rules.length);
    this.targetsHashes = new Uint32Array(rules.length);
    this.hashed = new Uint8Array(rules.length);
  }

  line(line: string, lineNumber: number): void {
    if (lineNumber === 1) return checkHeader(line, true, this.source);
    if (!line) return;
    if (line.startsWith("#")) {
      if (line.startsWith("# FILE ") || line.startsWith("# RUN ")) this.files.line(line, lineNumber);
      return;
    }
    if (!validLine.test(line)) {
      if (tornLine.test(line.includes("\0") ? line.replaceAll("\0", "") : line)) return;
      const shown = JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}…` : line);
      throw new LogFormatError(`${this.source}:${lineNumber}: not a log line (${shown}): the log is damaged; delete that line, or move the log away to start afresh`);
    }
    this.replay(line, lineNumber);
  }

  /**
   * The line in `bytes` from `start` to `end` (without its newline), as `line` reads it: the
   * common one (six fields, of a current rule at its own index, with its hashes now) is read
   * from the bytes, without a string; any other is handed to `line` as latin1 text.
   */
  lineBytes(bytes: Uint8Array, start: number, end: number, lineNumber: number): void {
    if (lineNumber === 1) return this.line(latin1(bytes, start, end), lineNumber);
    if (bytes[start] === numberSign && this.files.bytesLine(bytes, start, end, lineNumber)) return;
    if (!this.currentLine(bytes, start, end, lineNumber)) this.line(latin1(bytes, start, end), lineNumber);
  }

  /** The unterminated end of the file (a torn write), if any: only a torn header matters. */
  end(rest: string, lineNumber: number): void {
    if (lineNumber === 1 && rest !== "") checkHeader(rest, false, this.source);
  }

  /**
   * Reads `time rule state attempt hash targetsHash` from bytes, as `replay` reads it, when the
   * line matches `validLine` with hashes of 8 hex digits (as the writer writes them); false
   * (nothing read) for any other line.
   */
  private currentLine(bytes: Uint8Array, start: number, end: number, lineNumber: number): boolean {
    let at = start;
    let timeMs = 0;
    while (at < end && isDigit(bytes[at]!)) timeMs = timeMs * 10 + bytes[at++]! - zero;
    // up to 15 digits the sum is exact, as Number() reads them; longer ones are left to it
    if (at === start || at - start > 15 || bytes[at++] !== space) return false;
    const ruleStart = at;
    let rule = 0;
    while (at < end && isDigit(bytes[at]!)) rule = rule * 10 + bytes[at++]! - zero;
    const ruleEnd = at;
    if (at === ruleStart || at - ruleStart > 9 || bytes[at++] !== space) return false;
    const stateStart = at;
    while (at < end && isLetter(bytes[at]!)) at++;
    const stateEnd = at;
    if (stateEnd === stateStart || bytes[at++] !== space) return false;
    const attemptStart = at;
    while (at < end && isDigit(bytes[at]!)) at++;
    if (at === attemptStart || bytes[at++] !== space) return false;
    const hash = hexAt(bytes, at, end);
    at += 8;
    if (hash < 0 || bytes[at++] !== space) return false;
    const targetsHash = hexAt(bytes, at, end);
    if (targetsHash < 0 || at + 8 !== end) return false;
    const state = stateAt(bytes, stateStart, stateEnd);
    const current = rule < this.rules.length;
    if (current) this.hashesOf(rule);
    if (current && hash === this.ruleHashes[rule] && targetsHash === this.targetsHashes[rule]) {
      this.live.addCurrent(rule, state, lineNumber, end - start + 1);
      this.records.add(rule, state, timeMs);
      return true;
    }
    // another rule's line, or another version's: as `replay` reads it, from numbers
    if (bytes[ruleStart] === zero && ruleEnd - ruleStart > 1) return false; // "07": its key is the text as written
    this.live.addOtherNumbers(rule, hash, targetsHash, state, lineNumber, end - start + 1);
    if (!current || hash !== this.ruleHashes[rule]) {
      const now = this.moved.byHashNumbers(hash, targetsHash);
      if (now === undefined) {
        const maker = current && targetsHash === this.targetsHashes[rule] ? rule : this.moved.byTargetsNumber(targetsHash);
        if (state === StateCode.Running && maker !== undefined) this.records.started[maker] = 1;
        else if (state === StateCode.Running) this.unmatchedStarts.add(targetsHash);
        return true;
      }
      rule = now;
    }
    this.records.add(rule, state, timeMs);
    return true;
  }

  private replay(line: string, lineNumber: number): void {
    const [timeText, ruleText, state, , hash, targetsHash] = line.split(" ");
    const code = stateCode(state!);
    let rule = Number(ruleText);
    let ruleHashNow: string | undefined;
    let targetsHashNow: string | undefined;
    if (rule < this.rules.length) {
      this.hashesOf(rule);
      ruleHashNow = hex(this.ruleHashes[rule]!);
      targetsHashNow = hex(this.targetsHashes[rule]!);
    }
    if (hash === ruleHashNow && targetsHash === targetsHashNow) this.live.addCurrent(rule, code, lineNumber, line.length + 1);
    else this.live.addOther(ruleText!, hash!, targetsHash, code, lineNumber, line.length + 1);
    if (hash !== ruleHashNow) {
      // a rule added or removed before this one moved it: its lines still count, found by hash
      const now = this.moved.byHashes(hash, targetsHash);
      if (now === undefined) {
        // an earlier version made these files
        const maker = targetsHash === undefined ? undefined : targetsHash === targetsHashNow ? rule : this.moved.byTargets(targetsHash);
        if (code === StateCode.Running && maker !== undefined) this.records.started[maker] = 1;
        else if (code === StateCode.Running && hexNumber(targetsHash) >= 0) this.unmatchedStarts.add(hexNumber(targetsHash));
        return;
      }
      rule = now;
    }
    this.records.add(rule, code, Number(timeText));
  }

  private hashesOf(rule: number): void {
    if (this.hashed[rule] === 1) return;
    this.ruleHashes[rule] = ruleHashNumber(this.rules[rule]!);
    this.targetsHashes[rule] = targetsHashNumber(this.rules[rule]!);
    this.hashed[rule] = 1;
  }

  /** Marks started each rule of 2 to 4 targets that a running line with its targets in another order names. */
  private startedReordered(): void {
    if (this.unmatchedStarts.size === 0) return;
    const started = this.records.started;
    for (let rule = 0; rule < this.rules.length; rule++) {
      if (started[rule] === 1) continue;
      reorderedTargetsHashes(this.rules[rule]!, (hash) => {
        if (this.unmatchedStarts.has(hash)) started[rule] = 1;
      });
    }
    this.unmatchedStarts.clear();
  }

  summary(): LogSummary {
    this.startedReordered();
    const { last, started, doneLines, doneAtMs } = this.records;
    return {
      done: new RuleSet(last, StateCode.Done),
      started: new RuleSet(started, 1),
      interrupted: new RuleSet(last, StateCode.Running),
      failed: new RuleSet(last, StateCode.Failed),
      doneLines: new DoneNumbers(doneLines, doneLines),
      doneAtMs: new DoneNumbers(doneLines, doneAtMs),
      files: this.files,
    };
  }
}

const space = 32;
const zero = 48;
const numberSign = 35; // "#": a comment, or a file line
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isLetter = (c: number): boolean => c >= 97 && c <= 122;

/**
 * The hash of 8 lower-case hex digits at `at` that a word of `[0-9a-z]` ends (a space or the
 * end follows), or -1: any other word cannot be a hash the log's writer wrote for a rule now.
 */
function hexAt(bytes: Uint8Array, at: number, end: number): number {
  if (at + 8 > end || (at + 8 < end && bytes[at + 8] !== space)) return -1;
  let value = 0;
  for (let i = at; i < at + 8; i++) {
    const c = bytes[i]!;
    const digit = isDigit(c) ? c - zero : c >= 97 && c <= 102 ? c - 87 : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

function stateAt(bytes: Uint8Array, start: number, end: number): StateCode {
  if (spells(bytes, start, end, "running")) return StateCode.Running;
  if (spells(bytes, start, end, "done")) return StateCode.Done;
  if (spells(bytes, start, end, "failed")) return StateCode.Failed;
  return StateCode.Other;
}

/** Whether the bytes from `start` to `end` are `word` (ASCII). */
function spells(bytes: Uint8Array, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (bytes[start + i] !== word.charCodeAt(i)) return false;
  return true;
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString("latin1");
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
interface MovedRules {
  /** The rule with the line's hashes (only the rule hash: a five-field line). */
  byHashes(hash: string | undefined, targetsHash: string | undefined): number | undefined;
  byTargets(targetsHash: string): number | undefined;
  /** As `byHashes`, of hashes read as numbers (8 hex digits each). */
  byHashNumbers(hash: number, targetsHash: number): number | undefined;
  byTargetsNumber(targetsHash: number): number | undefined;
}

function movedRules(rules: readonly Rule[]): MovedRules {
  let both: NumberKeys | undefined;
  let ruleOnly: NumberKeys | undefined;
  let targetsOnly: NumberKeys | undefined;
  const add = (keys: NumberKeys, rule: number, a: number, b = 0) => keys.set(a, b, 0, keys.get(a, b) === undefined ? rule : -1);
  const build = () => {
    both = new NumberKeys(2, rules.length);
    ruleOnly = new NumberKeys(1, rules.length);
    targetsOnly = new NumberKeys(1, rules.length);
    for (const [index, rule] of rules.entries()) {
      const hash = ruleHashNumber(rule);
      const targetsHash = targetsHashNumber(rule);
      add(both, index, hash, targetsHash);
      add(ruleOnly, index, hash);
      add(targetsOnly, index, targetsHash);
    }
  };
  const found = (rule: number | undefined) => (rule === undefined || rule < 0 ? undefined : rule);
  const moved: MovedRules = {
    // every rule's hashes are 8 hex digits: any other text names none
    byHashes(hash, targetsHash) {
      if (hash === undefined) return undefined;
      if (both === undefined) build();
      const hashNumber = hexNumber(hash);
      if (hashNumber < 0) return undefined;
      // lines written before the targets hash have only the rule hash
      if (targetsHash === undefined) return found(ruleOnly!.get(hashNumber));
      const targetsNumber = hexNumber(targetsHash);
      return targetsNumber < 0 ? undefined : moved.byHashNumbers(hashNumber, targetsNumber);
    },
    byTargets(targetsHash) {
      const targetsNumber = hexNumber(targetsHash);
      return targetsNumber < 0 ? undefined : moved.byTargetsNumber(targetsNumber);
    },
    byHashNumbers(hash, targetsHash) {
      if (both === undefined) build();
      return found(both!.get(hash, targetsHash));
    },
    byTargetsNumber(targetsHash) {
      if (targetsOnly === undefined) build();
      return found(targetsOnly!.get(targetsHash));
    },
  };
  return moved;
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
