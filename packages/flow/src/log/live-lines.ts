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
 */
export class LiveLines {
  private readonly slots = new Map<string, number>();
  /** Per key: line numbers of its last line, last running line, last done line (0: none)... */
  private readonly lastLine: number[] = [];
  private readonly runningLine: number[] = [];
  private readonly doneLine: number[] = [];
  /** ...and their lengths in bytes (with the newline). */
  private readonly lastBytes: number[] = [];
  private readonly runningBytes: number[] = [];
  private readonly doneBytes: number[] = [];

  /** Counts a valid log line (numbered from 1). */
  add(line: string, lineNumber: number): void {
    const fields = line.split(" ");
    const slot = this.slot(fields, true)!;
    const bytes = line.length + 1; // log lines are ASCII
    this.lastLine[slot] = lineNumber;
    this.lastBytes[slot] = bytes;
    const state = fields[2];
    if (state === "running") {
      this.runningLine[slot] = lineNumber;
      this.runningBytes[slot] = bytes;
    } else if (state === "done") {
      this.doneLine[slot] = lineNumber;
      this.doneBytes[slot] = bytes;
    }
  }

  /** Whether a compaction keeps this line (one `add` saw under the same number). */
  keeps(line: string, lineNumber: number): boolean {
    const slot = this.slot(line.split(" "), false);
    return slot !== undefined && (this.lastLine[slot] === lineNumber || this.runningLine[slot] === lineNumber || this.doneLine[slot] === lineNumber);
  }

  /** Bytes of the lines a compaction keeps. */
  get bytes(): number {
    let total = 0;
    for (let slot = 0; slot < this.lastLine.length; slot++) {
      total += this.lastBytes[slot]!;
      if (this.runningLine[slot] !== 0 && this.runningLine[slot] !== this.lastLine[slot]) total += this.runningBytes[slot]!;
      if (this.doneLine[slot] !== 0 && this.doneLine[slot] !== this.lastLine[slot]) total += this.doneBytes[slot]!;
    }
    return total;
  }

  /** Keys seen: rule versions the log remembers. */
  get keys(): number {
    return this.lastLine.length;
  }

  /** The slot of a line's key: its rule index and hashes (the fields after the state and attempt). */
  private slot(fields: readonly string[], create: boolean): number | undefined {
    const key = `${fields[1]} ${fields[4]} ${fields[5] ?? ""}`;
    let slot = this.slots.get(key);
    if (slot === undefined && create) {
      slot = this.lastLine.length;
      this.slots.set(key, slot);
      this.lastLine.push(0);
      this.runningLine.push(0);
      this.doneLine.push(0);
      this.lastBytes.push(0);
      this.runningBytes.push(0);
      this.doneBytes.push(0);
    }
    return slot;
  }
}
