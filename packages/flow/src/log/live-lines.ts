/**
 * Which lines of a transaction log still matter, so a log grown by many runs can be rewritten
 * with only those (see compact-log.ts). The reader maps a line to a rule by the line's rule
 * index, rule hash and targets hash alone — its key — never by its time or state, so every line
 * of one key counts for the same rule, whatever the workflow becomes later. Of a key's lines the
 * reader needs only the last (the rule's state, when it is the last of its rule), the last
 * "running" (the rule started: --clean removes its targets) and the last "done" (when it was
 * done); kept in their order, the rest change nothing it reads — for these rules or any later
 * version of the workflow (a rule removed and put back keeps its lines). Only the count of
 * done lines per rule (`LogSummary.doneLines`) shrinks.
 *
 * The alternative, keeping only the lines of the current rules, would forget a rule commented
 * out for one run, and rerun it.
 *
 * Most lines are of a current rule at its own index: their keys are the rule indexes, kept in
 * typed arrays (30 bytes a rule: a 10⁶-rule workflow reads its log without a map of 10⁶ strings);
 * other keys (earlier versions, moved or removed rules) are strings in a map.
 */
import type { FileRecords } from "./file-records.ts";
import { hexNumber, NumberKeys } from "./number-keys.ts";
import { StateCode } from "./rule-records.ts";

/** A rule index as the writer writes it (no leading zero; up to 9 digits, a 32-bit word). */
const canonicalIndex = /^(?:0|[1-9]\d{0,8})$/;

export class LiveLines {
  private current: Keys | undefined;
  private readonly others = new Map<string, number>();
  private readonly numbered = new NumberKeys(3);
  private readonly other = new Keys(0);

  /** `files`: the log's file lines (file-records.ts), of which a compaction keeps each name's last. */
  constructor(
    private readonly rulesCount: number,
    private readonly files?: FileRecords,
  ) {}

  /** Counts a valid line of current rule `rule` (its index and both hashes are the rule's now). */
  addCurrent(rule: number, state: StateCode, lineNumber: number, bytes: number): void {
    this.current ??= new Keys(this.rulesCount);
    this.current.add(rule, state, lineNumber, bytes);
  }

  /**
   * Counts any other valid line, by its key: rule index and hashes as written. A key spelled as
   * the writer spells one (an index without a leading zero, two 8-digit hex hashes) is kept as
   * three numbers; any other (five fields, short hashes) as a string.
   */
  addOther(ruleText: string, hash: string, targetsHash: string | undefined, state: StateCode, lineNumber: number, bytes: number): void {
    const rule = canonicalIndex.test(ruleText) ? Number(ruleText) : -1;
    const hashNumber = hexNumber(hash);
    const targetsNumber = hexNumber(targetsHash);
    if (rule >= 0 && hashNumber >= 0 && targetsNumber >= 0) return this.addOtherNumbers(rule, hashNumber, targetsNumber, state, lineNumber, bytes);
    const key = `${ruleText} ${hash} ${targetsHash ?? ""}`;
    let slot = this.others.get(key);
    if (slot === undefined) this.others.set(key, (slot = this.other.grow()));
    this.other.add(slot, state, lineNumber, bytes);
  }

  /** As `addOther`, of a key spelled as the writer spells one, read as numbers. */
  addOtherNumbers(rule: number, hash: number, targetsHash: number, state: StateCode, lineNumber: number, bytes: number): void {
    let slot = this.numbered.get(rule, hash, targetsHash);
    if (slot === undefined) this.numbered.set(rule, hash, targetsHash, (slot = this.other.grow()));
    this.other.add(slot, state, lineNumber, bytes);
  }

  /** Bytes of the lines a compaction keeps. */
  get bytes(): number {
    return (this.current?.bytes() ?? 0) + this.other.bytes() + (this.files?.bytes() ?? 0);
  }

  /** The numbers of the lines a compaction keeps, ascending. */
  keptLines(): Float64Array {
    const kept = [...(this.current?.lines() ?? []), ...this.other.lines(), ...(this.files?.lines() ?? [])];
    return Float64Array.from(kept).sort();
  }
}

/** Per key: line numbers (0: none) and byte lengths of its last, last running and last done line. */
class Keys {
  private lastLine: Float64Array;
  private runningLine: Float64Array;
  private doneLine: Float64Array;
  private lastBytes: Uint16Array;
  private runningBytes: Uint16Array;
  private doneBytes: Uint16Array;
  private count: number;

  constructor(size: number) {
    this.count = size;
    const capacity = Math.max(size, 16);
    this.lastLine = new Float64Array(capacity);
    this.runningLine = new Float64Array(capacity);
    this.doneLine = new Float64Array(capacity);
    this.lastBytes = new Uint16Array(capacity);
    this.runningBytes = new Uint16Array(capacity);
    this.doneBytes = new Uint16Array(capacity);
  }

  /** A new key's slot. */
  grow(): number {
    if (this.count === this.lastLine.length) {
      const copy = <T extends Float64Array | Uint16Array>(array: T): T => {
        const grown = new (array.constructor as new (length: number) => T)(array.length * 2);
        grown.set(array);
        return grown;
      };
      this.lastLine = copy(this.lastLine);
      this.runningLine = copy(this.runningLine);
      this.doneLine = copy(this.doneLine);
      this.lastBytes = copy(this.lastBytes);
      this.runningBytes = copy(this.runningBytes);
      this.doneBytes = copy(this.doneBytes);
    }
    return this.count++;
  }

  add(slot: number, state: StateCode, lineNumber: number, bytes: number): void {
    this.lastLine[slot] = lineNumber;
    this.lastBytes[slot] = bytes;
    if (state === StateCode.Running) {
      this.runningLine[slot] = lineNumber;
      this.runningBytes[slot] = bytes;
    } else if (state === StateCode.Done) {
      this.doneLine[slot] = lineNumber;
      this.doneBytes[slot] = bytes;
    }
  }

  bytes(): number {
    let total = 0;
    for (let slot = 0; slot < this.count; slot++) {
      const last = this.lastLine[slot]!;
      if (last === 0) continue;
      total += this.lastBytes[slot]!;
      if (this.runningLine[slot] !== 0 && this.runningLine[slot] !== last) total += this.runningBytes[slot]!;
      if (this.doneLine[slot] !== 0 && this.doneLine[slot] !== last) total += this.doneBytes[slot]!;
    }
    return total;
  }

  *lines(): Iterable<number> {
    for (let slot = 0; slot < this.count; slot++) {
      const last = this.lastLine[slot]!;
      if (last === 0) continue;
      yield last;
      if (this.runningLine[slot] !== 0 && this.runningLine[slot] !== last) yield this.runningLine[slot]!;
      if (this.doneLine[slot] !== 0 && this.doneLine[slot] !== last && this.doneLine[slot] !== this.runningLine[slot]) yield this.doneLine[slot]!;
    }
  }
}
