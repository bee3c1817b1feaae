import { UsageError } from "./command.ts";

/**
 * Parses a numeric flag value (undefined when the flag is absent): a finite number ≥ `min`,
 * and a whole number when `integer` is set. Bad values are usage errors naming the flag.
 */
export function numberOption(value: string | undefined, flag: string, init: { min: number; integer?: boolean }): number | undefined {
  if (value === undefined) return undefined;
  const number = value.trim() === "" ? Number.NaN : Number(value);
  const whole = init.integer ? Number.isInteger(number) : Number.isFinite(number);
  if (!whole || number < init.min) {
    const kind = init.integer ? (init.min >= 1 ? "a positive integer" : "a non-negative integer") : "a non-negative number";
    throw new UsageError(`${flag} takes ${kind}, not '${value}'`);
  }
  return number;
}
