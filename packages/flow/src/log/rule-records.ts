/**
 * What the log says of each current rule, in typed arrays indexed by rule (14 bytes a rule),
 * and the `LogSummary` views over them. A Map or Set per fact (last state, started, done
 * lines, done time) held 10⁶ entries each for a 10⁶-rule run: ~450 MB and seconds of garbage
 * collection to read one log.
 */

/**
 * A line's state as the records keep it; 0 (no line yet), or Other: any other state
 * ("waiting", "retrying", …), the rule's last line but in none of the sets.
 */
export const StateCode = { None: 0, Running: 1, Done: 2, Failed: 3, Other: 4 } as const;
export type StateCode = (typeof StateCode)[keyof typeof StateCode];

export function stateCode(state: string): StateCode {
  return state === "running" ? StateCode.Running : state === "done" ? StateCode.Done : state === "failed" ? StateCode.Failed : StateCode.Other;
}

export class RuleRecords {
  /** The state of each rule's last line (None: no line). */
  readonly last: Uint8Array;
  /** 1 when the rule (or an earlier version with its targets) ever started. */
  readonly started: Uint8Array;
  /** Done lines per rule. */
  readonly doneLines: Uint32Array;
  /** When the last done line was written (valid where doneLines > 0). */
  readonly doneAtMs: Float64Array;

  constructor(rulesCount: number) {
    this.last = new Uint8Array(rulesCount);
    this.started = new Uint8Array(rulesCount);
    this.doneLines = new Uint32Array(rulesCount);
    this.doneAtMs = new Float64Array(rulesCount);
  }

  /** A line of `rule` in state `state`, written at `timeMs`. */
  add(rule: number, state: StateCode, timeMs: number): void {
    this.last[rule] = state;
    if (state === StateCode.Running) this.started[rule] = 1;
    else if (state === StateCode.Done) {
      this.doneLines[rule] = Math.min(this.doneLines[rule]! + 1, 0xffffffff);
      this.doneAtMs[rule] = timeMs;
    }
  }
}

/** The rules at which `codes` holds `code`, in ascending order. */
export class RuleSet implements ReadonlySet<number> {
  private counted: number | undefined;

  constructor(
    private readonly codes: Uint8Array,
    private readonly code: number,
  ) {}

  has(rule: number): boolean {
    return Number.isInteger(rule) && rule >= 0 && this.codes[rule] === this.code;
  }

  get size(): number {
    if (this.counted === undefined) {
      let count = 0;
      for (let rule = 0; rule < this.codes.length; rule++) if (this.codes[rule] === this.code) count++;
      this.counted = count;
    }
    return this.counted;
  }

  *values(): SetIterator<number> {
    for (let rule = 0; rule < this.codes.length; rule++) if (this.codes[rule] === this.code) yield rule;
  }

  keys(): SetIterator<number> {
    return this.values();
  }

  *entries(): SetIterator<[number, number]> {
    for (const rule of this.values()) yield [rule, rule];
  }

  [Symbol.iterator](): SetIterator<number> {
    return this.values();
  }

  forEach(each: (value: number, key: number, set: ReadonlySet<number>) => void, thisArg?: unknown): void {
    for (const rule of this.values()) each.call(thisArg, rule, rule, this);
  }
}

/** A number per rule, for the rules with a done line: their count of done lines, or the last one's time. */
export class DoneNumbers implements ReadonlyMap<number, number> {
  private counted: number | undefined;

  constructor(
    private readonly doneLines: Uint32Array,
    private readonly numbers: Uint32Array | Float64Array,
  ) {}

  has(rule: number): boolean {
    return Number.isInteger(rule) && rule >= 0 && rule < this.doneLines.length && this.doneLines[rule]! > 0;
  }

  get(rule: number): number | undefined {
    return this.has(rule) ? this.numbers[rule] : undefined;
  }

  get size(): number {
    if (this.counted === undefined) {
      let count = 0;
      for (let rule = 0; rule < this.doneLines.length; rule++) if (this.doneLines[rule]! > 0) count++;
      this.counted = count;
    }
    return this.counted;
  }

  *keys(): MapIterator<number> {
    for (let rule = 0; rule < this.doneLines.length; rule++) if (this.doneLines[rule]! > 0) yield rule;
  }

  *values(): MapIterator<number> {
    for (const rule of this.keys()) yield this.numbers[rule]!;
  }

  *entries(): MapIterator<[number, number]> {
    for (const rule of this.keys()) yield [rule, this.numbers[rule]!];
  }

  [Symbol.iterator](): MapIterator<[number, number]> {
    return this.entries();
  }

  forEach(each: (value: number, key: number, map: ReadonlyMap<number, number>) => void, thisArg?: unknown): void {
    for (const [rule, value] of this.entries()) each.call(thisArg, value, rule, this);
  }
}
