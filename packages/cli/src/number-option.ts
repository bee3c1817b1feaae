import { UsageError } from "./command.ts";

export interface NumberOptionInit {
  /** The least value accepted (inclusive, unless `minExclusive`). */
  readonly min: number;
  /** `min` itself is refused: `{ min: 0, minExclusive: true }` takes positive numbers. */
  readonly minExclusive?: boolean;
  /** The greatest value accepted (inclusive). */
  readonly max?: number;
  /** Whole numbers only. */
  readonly integer?: boolean;
  /** Said after the range in the error, e.g. `0 picks a free port`. */
  readonly note?: string;
}

/**
 * Parses a numeric flag value (undefined when the flag is absent): a finite number in the range
 * `init` gives, and a whole number when `integer` is set. Bad values are usage errors naming
 * the flag and what it takes.
 */
export function numberOption(value: string | undefined, flag: string, init: NumberOptionInit): number | undefined {
  if (value === undefined) return undefined;
  const number = value.trim() === "" ? Number.NaN : Number(value);
  const whole = init.integer ? Number.isInteger(number) : Number.isFinite(number);
  const aboveMin = init.minExclusive ? number > init.min : number >= init.min;
  if (!whole || !aboveMin || (init.max !== undefined && number > init.max)) {
    throw new UsageError(`${flag} takes ${numberKind(init)}${init.note ? ` (${init.note})` : ""}, not '${value}'`);
  }
  return number;
}

/** What a numeric flag takes, in words: `a positive integer`, `an integer from 0 to 65535`. */
export function numberKind(init: NumberOptionInit): string {
  const { min, minExclusive = false, max, integer = false } = init;
  const noun = integer ? "integer" : "number";
  if (max !== undefined && !minExclusive) return `${integer ? "an integer" : "a number"} from ${min} to ${max}`;
  if (max !== undefined) return `a ${noun} above ${min} and at most ${max}`;
  // the least integer above 0 is 1: both mean positive
  if ((min === 0 && minExclusive) || (integer && min === 1 && !minExclusive)) return `a positive ${noun}`;
  if (min === 0) return `a non-negative ${noun}`;
  return `a ${noun} ${minExclusive ? "above" : "of at least"} ${min}`;
}
