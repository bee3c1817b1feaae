/**
 * Retries with backoff. A rule's failed attempt is retried after ftsh's backoff delay —
 * workflow-scale defaults: 1 s doubling up to a minute, jittered by `random` — at most
 * `retryCount` times. The retry is a wake-up the scheduler takes when fed a time past it: no
 * timer is kept here, so the same policy runs under virtual and real time.
 */
// the backoff alone: flow's start-up does not load the ftsh language and its process host
import { type BackoffInit, backoffDelayMs, resolveBackoff } from "@skein/ftsh/backoff";
import { MinHeap } from "./min-heap.ts";
import type { SchedulerInit } from "./types.ts";

/** A rule's retry, due at `atMs`. */
interface Wake {
  readonly atMs: number;
  readonly rule: number;
}

export class Retries {
  private readonly failures: Int32Array;
  private readonly wakes = new MinHeap<Wake>();
  private readonly backoff: Required<BackoffInit>;

  constructor(
    ruleCount: number,
    private readonly init: SchedulerInit,
    private readonly random: () => number,
  ) {
    this.failures = new Int32Array(ruleCount);
    this.backoff = resolveBackoff({ initialMs: init.backoff?.initialMs ?? 1_000, factor: init.backoff?.factor ?? 2, maxMs: init.backoff?.maxMs ?? 60_000 });
  }

  /** The rule's failed attempts counted so far (its next attempt is this + 1). */
  failuresOf(rule: number): number {
    return this.failures[rule]!;
  }

  /** Counts a failed attempt: the delay before its retry, or undefined when it fails for good (`permanent`, or out of retries). */
  failed(rule: number, nowMs: number, permanent: boolean): number | undefined {
    const failures = ++this.failures[rule]!;
    if (permanent || failures > (this.init.retryCount ?? 0)) return undefined;
    const delayMs = backoffDelayMs(failures - 1, this.backoff, this.random());
    this.wakes.push({ atMs: nowMs + delayMs, rule });
    return delayMs;
  }

  /** The rule runs again after the backoff's delay for its `times`th such run (not a failure: no retry is counted); the delay. */
  later(rule: number, nowMs: number, times: number): number {
    const delayMs = backoffDelayMs(times - 1, this.backoff, this.random());
    this.wakes.push({ atMs: nowMs + delayMs, rule });
    return delayMs;
  }

  nextWakeMs(): number | undefined {
    return this.wakes.peek()?.atMs;
  }

  /** The rules whose retry is due at `nowMs`, in the order they fall due. */
  *due(nowMs: number): Generator<number> {
    for (let wake = this.wakes.peek(); wake && wake.atMs <= nowMs; wake = this.wakes.peek()) yield this.wakes.pop()!.rule;
  }
}

/** A `retrying` state's fields: the reason saying the delay (`exit code 1; retry in 1064 ms`) and the same delay as `retryInMs`, for --json. */
export function retryingIn<Extra extends object>(reason: string, delayMs: number, extra: Extra): Extra & { reason: string; retryInMs: number } {
  const retryInMs = Math.round(delayMs);
  return { ...extra, reason: `${reason} ${retryInMs} ms`, retryInMs };
}
