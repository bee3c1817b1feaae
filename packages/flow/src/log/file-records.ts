/**
 * What a log's file lines (file-lines.ts) say, per file name: whether the workflow made it,
 * and what it was when its rule was last done. The names of the current rules' targets are
 * found through a map built on the first file line (a log without any costs nothing) and kept
 * in typed arrays indexed by target; other names (targets of rules since removed or changed)
 * in a map. Only each name's last line matters to a reader, so a compaction keeps that one.
 */
import type { Rule } from "../workflow.ts";
import { type FileLine, type FileRecord, parseFileLine, runLinePattern } from "./file-lines.ts";
import { NumberKeys } from "./number-keys.ts";

/** A name no current rule has as a target, as the log last recorded it. */
export interface OtherFile extends FileRecord {
  readonly name: string;
}

/** The log's file lines, as a run and `--clean` ask about them. */
export interface MadeFiles {
  /** What the log last said of target `index` of rule `rule` (by its name), if anything. */
  target(rule: number, index: number): FileRecord | undefined;
  /** Files the log says the workflow made that no current rule names as a target, in the order first recorded. */
  others(): Iterable<OtherFile>;
}

const noRecord = 0;
const madeCode = 1;
const doneCode = 2;
const failedCode = 3;

export class FileRecords implements MadeFiles {
  /** Each rule's first target's slot (a target's slot: its rule's offset plus its index). */
  private offsets: Uint32Array | undefined;
  /** Each slot's name (the target's `path`), and the slot of each name's hash (-1: names share it, see `shared`). */
  private names: string[] | undefined;
  private byHash: NumberKeys | undefined;
  private readonly shared = new Map<string, number>();
  private codes: Uint8Array | undefined;
  private sizes: Float64Array | undefined;
  private times: Float64Array | undefined;
  private lineNumbers: Float64Array | undefined;
  private lineBytes: Uint16Array | undefined;
  private readonly other = new Map<string, OtherFile & { lineNumber: number; bytes: number }>();
  /** The last `# RUN` line (0: none) and its bytes: a compaction keeps it, after which a running line vouches for nothing. */
  private lastRunLine = 0;
  private lastRunBytes = 0;

  constructor(private readonly rules: readonly Rule[]) {}

  /** Reads a `#` line of the log; false when it is not a file line. */
  line(text: string, lineNumber: number): boolean {
    if (runLinePattern.test(text)) {
      this.lastRunLine = lineNumber;
      this.lastRunBytes = text.length + 1;
      return true;
    }
    const file = parseFileLine(text);
    if (file === undefined) return false;
    this.add(this.slotOf(file.name), file, lineNumber, text.length + 1);
    return true;
  }

  /**
   * Reads the file line in `bytes` from `start` to `end` without making a string of its name,
   * when it is of a current target spelled without escapes (the common line); false (nothing
   * read) for any other line, which `line` then reads. Reading the log of a 200 000-rule run
   * took 5 times as long with a string and a regular expression per file line.
   */
  bytesLine(bytes: Uint8Array, start: number, end: number, lineNumber: number): boolean {
    let at = start + filePrefix.length;
    if (at >= end) return false;
    for (let i = 0; i < filePrefix.length; i++) if (bytes[start + i] !== filePrefix.charCodeAt(i)) return false;
    const lineTimeStart = at;
    while (at < end && isDigit(bytes[at]!)) at++;
    if (at === lineTimeStart || bytes[at++] !== space) return false;
    const nameStart = at;
    let hash = offsetBasis;
    for (; at < end && bytes[at] !== space; at++) {
      const c = bytes[at]!;
      if (c === percent || c < 0x21 || c > 0x7e) return false;
      hash = Math.imul(hash ^ c, prime);
    }
    const nameEnd = at++;
    if (nameEnd === nameStart || at >= end) return false;
    let done: boolean;
    let size = 0;
    let mtimeUs = 0;
    if (end - at === running.length && spells(bytes, at, running)) done = false;
    else {
      if (!spells(bytes, at, doneWord)) return false;
      at += doneWord.length;
      const sizeStart = at;
      while (at < end && isDigit(bytes[at]!)) size = size * 10 + bytes[at++]! - zero;
      if (at === sizeStart || at - sizeStart > 15 || bytes[at++] !== space) return false;
      const timeStart = at;
      while (at < end && isDigit(bytes[at]!)) mtimeUs = mtimeUs * 10 + bytes[at++]! - zero;
      if (at === timeStart || at !== end || at - timeStart > 16) return false;
      done = true;
    }
    this.index();
    const slot = this.byHash!.get(hash >>> 0);
    if (slot === undefined || slot < 0 || !sameName(bytes, nameStart, nameEnd, this.names![slot]!)) return false;
    this.add(slot, { name: this.names![slot]!, done, size, mtimeUs }, lineNumber, end - start + 1);
    return true;
  }

  private add(slot: number | undefined, file: FileLine, lineNumber: number, bytes: number): void {
    if (slot === undefined) {
      this.other.delete(file.name); // kept in the order of its last line
      this.other.set(file.name, { name: file.name, done: file.done, ...(file.failed === true ? { failed: true } : {}), size: file.size, mtimeUs: file.mtimeUs, lineNumber, bytes });
      return;
    }
    this.codes![slot] = file.done ? doneCode : file.failed === true ? failedCode : madeCode;
    this.sizes![slot] = file.size;
    this.times![slot] = file.mtimeUs;
    this.lineNumbers![slot] = lineNumber;
    this.lineBytes![slot] = bytes;
  }

  /** Indexes the current rules' targets by name, on the first file line: a log without any costs nothing. */
  private index(): void {
    if (this.offsets !== undefined) return;
    const offsets = new Uint32Array(this.rules.length + 1);
    const names: string[] = [];
    for (let rule = 0; rule < this.rules.length; rule++) {
      offsets[rule] = names.length;
      for (const target of this.rules[rule]!.targets) names.push(target.path);
    }
    offsets[this.rules.length] = names.length;
    const byHash = new NumberKeys(1, names.length);
    for (let slot = 0; slot < names.length; slot++) {
      const name = names[slot]!;
      const hash = hashOf(name);
      const known = byHash.get(hash);
      if (known === undefined) byHash.set(hash, 0, 0, slot);
      else if (known >= 0 && names[known] === name) continue; // a name two rules share (a conflict the plan reports) is the first one's
      else {
        if (known >= 0) this.shared.set(names[known]!, known);
        byHash.set(hash, 0, 0, -1);
        if (!this.shared.has(name)) this.shared.set(name, slot);
      }
    }
    this.offsets = offsets;
    this.names = names;
    this.byHash = byHash;
    this.codes = new Uint8Array(names.length);
    this.sizes = new Float64Array(names.length);
    this.times = new Float64Array(names.length);
    this.lineNumbers = new Float64Array(names.length);
    this.lineBytes = new Uint16Array(names.length);
  }

  /** The slot of a current target's name, or undefined for any other name. */
  private slotOf(name: string): number | undefined {
    this.index();
    const slot = this.byHash!.get(hashOf(name));
    if (slot === undefined) return undefined;
    if (slot < 0) return this.shared.get(name);
    return this.names![slot] === name ? slot : undefined;
  }

  target(rule: number, index: number): FileRecord | undefined {
    if (this.codes === undefined) return undefined;
    const slot = this.offsets![rule]! + index;
    // a name two rules share is recorded at the first one's slot
    const named = this.slotOf(this.names![slot]!);
    if (named === undefined || this.codes[named] === noRecord) return undefined;
    const code = this.codes[named];
    const record = { done: code === doneCode, size: this.sizes![named]!, mtimeUs: this.times![named]! };
    if (code === failedCode) return { ...record, failed: true };
    return code === madeCode && this.lineNumbers![named]! < this.lastRunLine ? { ...record, laterRun: true } : record;
  }

  *others(): Iterable<OtherFile> {
    for (const { name, done, failed, size, mtimeUs, lineNumber } of this.other.values()) {
      if (failed === true) yield { name, done, failed, size, mtimeUs };
      else yield !done && lineNumber < this.lastRunLine ? { name, done, size, mtimeUs, laterRun: true } : { name, done, size, mtimeUs };
    }
  }

  /** Bytes of the lines a compaction keeps: each name's last. */
  bytes(): number {
    let total = 0;
    if (this.codes !== undefined) for (let slot = 0; slot < this.codes.length; slot++) if (this.codes[slot] !== noRecord) total += this.lineBytes![slot]!;
    for (const file of this.other.values()) total += file.bytes;
    return total + this.lastRunBytes;
  }

  /** The numbers of the lines a compaction keeps (unordered). */
  *lines(): Iterable<number> {
    if (this.codes !== undefined) for (let slot = 0; slot < this.codes.length; slot++) if (this.codes[slot] !== noRecord) yield this.lineNumbers![slot]!;
    for (const file of this.other.values()) yield file.lineNumber;
    if (this.lastRunLine > 0) yield this.lastRunLine;
  }
}

const filePrefix = "# FILE ";
const running = "running";
const doneWord = "done ";
const space = 32;
const zero = 48;
const percent = 37;
const offsetBasis = 0x811c9dc5;
const prime = 0x01000193;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** FNV-1a of a name's UTF-16 code units (its bytes, for the ASCII names the fast path reads), unsigned. */
function hashOf(name: string): number {
  let hash = offsetBasis;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), prime);
  return hash >>> 0;
}

/** Whether the bytes at `at` start with `word` (ASCII). */
function spells(bytes: Uint8Array, at: number, word: string): boolean {
  for (let i = 0; i < word.length; i++) if (bytes[at + i] !== word.charCodeAt(i)) return false;
  return true;
}

function sameName(bytes: Uint8Array, start: number, end: number, name: string): boolean {
  if (end - start !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (bytes[start + i] !== name.charCodeAt(i)) return false;
  return true;
}
