/**
 * A task's result frame carries lists the worker builds from what the user wrote: the declared
 * outputs a command did not make (a rule may declare thousands), the cache entries it dropped,
 * the problems of its outputs, names inside reasons. Unbounded, they could pass the frame limit
 * (`frameBytesMax`): the master would refuse the frame and drop the worker, the task would go to
 * another worker and do the same, and the run would never end. So the worker bounds every list
 * and string of a result before sending it, as `missingList` does for people: the master names
 * the first `missingNamedMax` missing outputs and counts the rest (`missingMore`). The
 * alternative, splitting a long list over several frames, buys nothing: no one reads a
 * thousand missing names.
 */
import { missingList, missingNamedMax } from "../executors/executor.ts";
import { encodeFrame, frameBytesMax } from "./frames.ts";

/** Characters kept of each name or reason in a result (a name inside a sandbox is ≤ 4 096 bytes). */
export const resultTextCharsMax = 4_096;
/** Dropped cache entries named in one result (≈ 70 bytes each); a later task names the rest. */
export const resultDroppedMax = 10_000;
/** Problems named in one result. */
export const resultProblemsMax = 10;

type Header = Record<string, unknown> & { readonly type: string };

const text = (value: unknown) => (typeof value === "string" && value.length > resultTextCharsMax ? `${value.slice(0, resultTextCharsMax)}…` : value);

/** `header` with every list and string within bounds: missing outputs beyond the first few are counted in `missingMore`. */
export function boundResult(header: Header): Header {
  const bounded: Record<string, unknown> = { ...header };
  for (const key of ["refused", "rerun", "lost"]) if (key in bounded) bounded[key] = text(bounded[key]);
  if (Array.isArray(header.missing) && header.missing.length > missingNamedMax) {
    bounded.missing = header.missing.slice(0, missingNamedMax);
    bounded.missingMore = header.missing.length - missingNamedMax;
  }
  if (Array.isArray(bounded.missing)) bounded.missing = bounded.missing.map(text);
  if (Array.isArray(header.problems)) bounded.problems = header.problems.slice(0, resultProblemsMax).map(text);
  if (Array.isArray(header.dropped)) bounded.dropped = header.dropped.slice(0, resultDroppedMax);
  return bounded as Header;
}

/**
 * A result's frame, bounded; should it still pass the frame limit (it cannot, with the bounds
 * above and a payload of inline outputs), a failure saying so, so that the master never gets a
 * frame it must refuse.
 */
export function resultFrame(header: Header, payload?: Buffer): Buffer {
  const frame = encodeFrame(boundResult(header), payload);
  if (frame.length <= frameBytesMax) return frame;
  const { task, exitCode, signal } = header;
  return encodeFrame({ type: "result", task, exitCode, signal, missing: [], problems: [`its result would take ${frame.length} bytes, more than a frame may have (${frameBytesMax})`] });
}

/** The missing outputs a result names, for people: the first few and how many more (`missingMore` counts those the worker left out). */
export function missingNames(missing: readonly string[], more: unknown): string {
  const left = Number.isSafeInteger(more) && (more as number) > 0 ? (more as number) : 0;
  if (left === 0) return missingList(missing);
  const named = missing.slice(0, missingNamedMax);
  return `${named.join(", ")} and ${missing.length - named.length + left} more`;
}
