/**
 * What a log's file lines (file-lines.ts) say, per file name: whether the workflow made it,
 * and what it was when its rule was last done. The names of the current rules' targets are
 * found through a map built on the first file line (a log without any costs nothing) and kept
 * in typed arrays indexed by target; other names (targets of rules since removed or changed)
 * in a map. Only each name's last line matters to a reader, so a compaction keeps that one.
 */
import type { Rule } from "../workflow.ts";
import { type FileLine, type FileRecord, parseFileLine } from "./file-lines.ts";

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

export class FileRecords implements MadeFiles {
  private slots: Map<string, number> | undefined;
  private codes: Uint8Array | undefined;
  private sizes: Float64Array | undefined;
  private times: Float64Array | undefined;
  private lineNumbers: Float64Array | undefined;
  private lineBytes: Uint16Array | undefined;
  private readonly other = new Map<string, OtherFile & { lineNumber: number; bytes: number }>();

  constructor(private readonly rules: readonly Rule[]) {}

  /** Reads a `#` line of the log; false when it is not a file line. */
  line(text: string, lineNumber: number): boolean {
    const file = parseFileLine(text);
    if (file === undefined) return false;
    this.add(file, lineNumber, text.length + 1);
    return true;
  }

  private add(file: FileLine, lineNumber: number, bytes: number): void {
    const slot = this.slotOf(file.name);
    if (slot === undefined) {
      this.other.delete(file.name); // kept in the order of its last line
      this.other.set(file.name, { name: file.name, done: file.done, size: file.size, mtimeMs: file.mtimeMs, lineNumber, bytes });
      return;
    }
    this.codes![slot] = file.done ? doneCode : madeCode;
    this.sizes![slot] = file.size;
    this.times![slot] = file.mtimeMs;
    this.lineNumbers![slot] = lineNumber;
    this.lineBytes![slot] = bytes;
  }

  private slotOf(name: string): number | undefined {
    if (this.slots === undefined) {
      const slots = new Map<string, number>();
      let count = 0;
      // a name two rules share (a conflict the plan reports) is the first one's
      for (const rule of this.rules) for (const target of rule.targets) if (!slots.has(target.path)) slots.set(target.path, count++);
      this.slots = slots;
      this.codes = new Uint8Array(count);
      this.sizes = new Float64Array(count);
      this.times = new Float64Array(count);
      this.lineNumbers = new Float64Array(count);
      this.lineBytes = new Uint16Array(count);
    }
    return this.slots.get(name);
  }

  target(rule: number, index: number): FileRecord | undefined {
    if (this.codes === undefined) return undefined;
    const slot = this.slots!.get(this.rules[rule]!.targets[index]!.path);
    if (slot === undefined || this.codes[slot] === noRecord) return undefined;
    return { done: this.codes[slot] === doneCode, size: this.sizes![slot]!, mtimeMs: this.times![slot]! };
  }

  *others(): Iterable<OtherFile> {
    for (const { name, done, size, mtimeMs } of this.other.values()) yield { name, done, size, mtimeMs };
  }

  /** Bytes of the lines a compaction keeps: each name's last. */
  bytes(): number {
    let total = 0;
    if (this.codes !== undefined) for (let slot = 0; slot < this.codes.length; slot++) if (this.codes[slot] !== noRecord) total += this.lineBytes![slot]!;
    for (const file of this.other.values()) total += file.bytes;
    return total;
  }

  /** The numbers of the lines a compaction keeps (unordered). */
  *lines(): Iterable<number> {
    if (this.codes !== undefined) for (let slot = 0; slot < this.codes.length; slot++) if (this.codes[slot] !== noRecord) yield this.lineNumbers![slot]!;
    for (const file of this.other.values()) yield file.lineNumber;
  }
}
