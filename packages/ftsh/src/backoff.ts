/**
 * Exponential backoff with jitter, as ftsh does it: after the N-th failure (N = 0, 1, …) wait
 * `min(R · T · F^N, M)` with R uniform in [1, 2]. The jitter spreads the retries of many clients
 * that failed together (the "Ethernet approach"); the cap keeps a long outage from stretching a
 * single wait past M. Pure arithmetic: the random number comes from the caller.
 */

/** Backoff parameters; each has a default taken from the ftsh manual. */
export interface BackoffInit {
  /** T: the base delay after the first failure. Default 1 s. */
  initialMs?: number;
  /** F: the growth factor per failure. Default 2 (doubling). */
  factor?: number;
  /** M: no delay exceeds this. Default 1 hour. */
  maxMs?: number;
}

/** The manual's defaults: "wait one second … doubling the waiting time … up to a maximum of one hour". */
export const backoffDefaults: Readonly<Required<BackoffInit>> = Object.freeze({
  initialMs: 1000,
  factor: 2,
  maxMs: 60 * 60 * 1000,
});

/** Fills in defaults and rejects parameters that would make delays negative or shrink. */
export function resolveBackoff(init: BackoffInit = {}): Required<BackoffInit> {
  const backoff = { ...backoffDefaults, ...stripUndefined(init) };
  if (!(Number.isFinite(backoff.initialMs) && backoff.initialMs >= 0)) {
    throw new RangeError(`backoff.initialMs must be a finite number >= 0, got ${backoff.initialMs}`);
  }
  if (!(Number.isFinite(backoff.factor) && backoff.factor >= 1)) {
    throw new RangeError(`backoff.factor must be a finite number >= 1, got ${backoff.factor}`);
  }
  if (!(backoff.maxMs >= 0) || Number.isNaN(backoff.maxMs)) {
    throw new RangeError(`backoff.maxMs must be a number >= 0, got ${backoff.maxMs}`);
  }
  return backoff;
}

/**
 * The delay after failure number `failureIndex` (0 for the first failure), given `random` in
 * [0, 1): always within [T·F^N, 2·T·F^N], capped at M.
 */
export function backoffDelayMs(failureIndex: number, backoff: Required<BackoffInit>, random: number): number {
  const baseMs = backoff.initialMs * backoff.factor ** failureIndex;
  return Math.min((1 + random) * baseMs, backoff.maxMs);
}

function stripUndefined(init: BackoffInit): BackoffInit {
  return Object.fromEntries(Object.entries(init).filter(([, value]) => value !== undefined));
}
