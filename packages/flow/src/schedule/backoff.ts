/**
 * Retry delay after the N-th failure (N from 0): `min(R·T·F^N, M)` with R drawn uniformly from
 * [1, 2], so that many rules failing together do not retry in lock step.
 */
export interface BackoffInit {
  /** T: the first delay before jitter (default 1 000 ms). */
  initialMs?: number;
  /** F: growth per failure (default 2). */
  factor?: number;
  /** M: the longest delay (default 60 000 ms). */
  maxMs?: number;
}

export function backoffDelayMs(failureIndex: number, random: number, init: BackoffInit = {}): number {
  const initialMs = init.initialMs ?? 1_000;
  const factor = init.factor ?? 2;
  const maxMs = init.maxMs ?? 60_000;
  const jitter = 1 + Math.min(Math.max(random, 0), 1);
  return Math.min(jitter * initialMs * factor ** failureIndex, maxMs);
}
