/**
 * Exponential backoff with jitter: the delay before retry `attempt` (0-based) is
 * `min(R·T·F^N, M)` with R uniform in [1, 2]. The jitter spreads reconnecting peers apart
 * after a shared failure; the cap keeps a long outage from growing the delay without bound.
 */
import { BACKOFF_FACTOR_DEFAULT, BACKOFF_INITIAL_MS_DEFAULT, BACKOFF_MAX_MS_DEFAULT } from "./limits.ts";

export interface BackoffInit {
  /** T: the first delay (default 50 ms). */
  readonly initialMs?: number;
  /** F: growth per attempt (default 2). */
  readonly factor?: number;
  /** M: the cap (default 2 s). */
  readonly maxMs?: number;
}

/** The delay before retry `attempt`, given `random` in [0, 1). */
export function backoffDelayMs(attempt: number, random: number, init: BackoffInit = {}): number {
  const initialMs = init.initialMs ?? BACKOFF_INITIAL_MS_DEFAULT;
  const factor = init.factor ?? BACKOFF_FACTOR_DEFAULT;
  const maxMs = init.maxMs ?? BACKOFF_MAX_MS_DEFAULT;
  const r = 1 + random;
  return Math.min(r * initialMs * factor ** attempt, maxMs);
}
