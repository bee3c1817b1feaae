/**
 * The worker's `cached` frame, checked on the master's side: the cache entries a worker says it
 * holds from earlier connections (see `frames.ts`, version 5). The master trusts the list — a
 * worker that lies only hurts its own tasks, which fail naming the missing input — but not its
 * shape: a listing that is not a list of at most `cachedAnnouncedMax` entry names is refused,
 * naming the first entry that is not one, so the master never keeps a peer's garbage.
 */
import { cachedAnnouncedMax } from "./input-cache.ts";

/** A cache entry's name on the wire: `<sha256>.<mode>` (see `file-modes.ts`). */
export const cachedNamePattern = /^[0-9a-f]{64}\.[0-7]{3}$/;

/** Why a `cached` frame's `entries` cannot be taken; undefined when they are a list of entry names. */
export function cacheListingProblem(entries: unknown): string | undefined {
  if (!Array.isArray(entries)) return "bad cache listing: its entries are not a list";
  if (entries.length > cachedAnnouncedMax) return `bad cache listing: ${entries.length} entries, more than ${cachedAnnouncedMax}`;
  const bad = entries.findIndex((name) => typeof name !== "string" || !cachedNamePattern.test(name));
  if (bad >= 0) return `bad cache listing: entry ${bad + 1}, ${shown(entries[bad])}, is not <sha256>.<mode>`;
  return undefined;
}

/** A value a peer sent, for an error message: a string quoted and cut, anything else by its type. */
function shown(value: unknown): string {
  if (typeof value !== "string") return value === null ? "null" : `a ${typeof value}`;
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}
