/**
 * The time and randomness that retry, forAny and forAll use. Skein's service `Context` provides
 * exactly these three members, so inside the simulator the helpers run on virtual time; outside
 * it the caller passes `realEnvironment` from `@skein/net` (real clock, real timers).
 */
export interface RetryEnvironment {
  /** Milliseconds on a monotone clock (only differences matter). */
  now(): number;
  /**
   * Resolves after `ms` milliseconds; rejects with `signal.reason` as soon as `signal` aborts
   * (immediately if it already has), so that nothing waits for a sleep nobody needs.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** A number uniformly distributed in [0, 1). */
  random(): number;
}
