/**
 * Rules refused because no executor could ever run them (more cores, memory, disk or GPUs than
 * any has): they never ran, so they are shown as `refused`, not `failed`. The scheduler fails
 * the first rule of each such resource class and leaves the others of the class ready; they
 * can never run either, so they are refused with it and named too (a bounded list).
 */
import { writtenPath } from "../language/canonical-path.ts";
import { formatLocation } from "../language/errors.ts";
import { needOf } from "../schedule/capacity.ts";
import type { RuleState } from "../schedule/types.ts";
import type { Rule } from "../workflow.ts";

/** A rule's state as messages, --json and --dot show it: `refused` is a failure before it ever ran. */
export type ShownState = RuleState | "refused";

/** A refusal for GPUs this machine lacks says where the count came from (`gpus.source`). */
export function withGpuSource(reason: string, gpus: { readonly source: string }): string {
  return reason.includes(" GPU") && reason.includes("; this machine has") ? `${reason} (${gpus.source})` : reason;
}

/** Rules named in one message about refused rules; the rest are counted. */
export const refusedNamedMax = 10;

function classKey(rule: Rule): string {
  const need = needOf(rule.resources);
  return `${rule.local ? "L" : "R"}:${rule.category}:${need.cores}:${need.memoryMb}:${need.diskMb}:${need.gpus}`;
}

/** `names` as one list of at most `refusedNamedMax` names, then how many more. */
export function boundedList(names: readonly string[], total = names.length): string {
  const shown = names.slice(0, refusedNamedMax);
  return `${shown.join(", ")}${total > shown.length ? `, and ${total - shown.length} more` : ""}`;
}

export class Refusals {
  /** Rules dispatched in this run (a `running` state): their failure is not a refusal. */
  private readonly dispatched: Uint8Array;
  /** Each refused rule, in the order refused, with why. */
  private readonly reasons = new Map<number, string>();
  /** Refused rules the scheduler did not fail itself (the rest of a refused rule's class). */
  private readonly withClass: number[] = [];
  /** Each rule's resource class (as the scheduler groups them), once a rule is refused. */
  private keys: string[] | undefined;
  /** The run's stop reason the scheduler gave for the first refusal, and the one to show instead. */
  private firstStop: string | undefined;

  constructor(private readonly rules: readonly Rule[]) {
    this.dispatched = new Uint8Array(rules.length);
  }

  running(rule: number): void {
    this.dispatched[rule] = 1;
  }

  /** Whether a `failed` of `rule` on no executor is a new refusal: it was never dispatched in this run, nor refused with another rule. */
  isRefusal(rule: number, executorId: string | undefined): boolean {
    return executorId === undefined && this.dispatched[rule] === 0 && !this.reasons.has(rule);
  }

  has(rule: number): boolean {
    return this.reasons.has(rule);
  }

  /** Why `rule` was refused, if it was. */
  reasonOf(rule: number): string | undefined {
    return this.reasons.get(rule);
  }

  get size(): number {
    return this.reasons.size;
  }

  /**
   * Notes `rule` refused for `reason` (the scheduler's, `schedulerReason`, with what messages
   * add), with every rule of its resource class not done nor dispatched (`stateOf`); returns
   * them all, `rule` first.
   */
  refuse(rule: number, schedulerReason: string, stateOf: (rule: number) => RuleState, reason = schedulerReason): number[] {
    const refused = [rule];
    this.reasons.set(rule, reason);
    // the scheduler's stop reason for it, replaced by stopReason
    if (this.firstStop === undefined) this.firstStop = `rule '${this.name(rule)}' (${formatLocation(this.rules[rule]!.location)}) failed: ${schedulerReason}`;
    // each rule's class, worked out once: a refusal of another class looks them up again
    const keys = (this.keys ??= this.rules.map(classKey));
    const key = keys[rule]!;
    for (let other = 0; other < this.rules.length; other++) {
      // one the scheduler failed in the same step (a class drained) has its event still to come
      if (this.reasons.has(other) || this.dispatched[other] === 1 || stateOf(other) === "done") continue;
      if (keys[other] !== key) continue;
      this.reasons.set(other, reason);
      this.withClass.push(other);
      refused.push(other);
    }
    return refused;
  }

  /** One line for rules refused together: `b: refused, never run: needs …`, or `3 rules refused, never run (b, c, d): needs …`. */
  describe(refused: readonly number[], reason: string): string {
    const names = refused.slice(0, refusedNamedMax).map((rule) => this.name(rule));
    return refused.length === 1 ? `${names[0]}: refused, never run: ${reason}` : `${refused.length} rules refused, never run (${boundedList(names, refused.length)}): ${reason}`;
  }

  /**
   * The run's stop reason: when it stopped for the first refusal, every refused rule is named
   * (each with its location, at most `refusedNamedMax`); any other reason is kept.
   */
  stopReason(reason: string | undefined): string | undefined {
    if (reason === undefined || reason !== this.firstStop) return reason;
    const all = [...this.reasons.keys()];
    if (all.length === 1) return `rule '${this.name(all[0]!)}' (${formatLocation(this.rules[all[0]!]!.location)}) can never run here, refused: ${this.reasons.get(all[0]!)}`;
    const named = all.slice(0, refusedNamedMax).map((rule) => `'${this.name(rule)}' (${formatLocation(this.rules[rule]!.location)})`);
    const reasons = new Set(this.reasons.values());
    const why = reasons.size === 1 ? `: ${[...reasons][0]}` : " (what each needs is said above)";
    return `${all.length} rules can never run here, refused: ${boundedList(named, all.length)}${why}`;
  }

  /** `reason` (`not started: the run stopped (…)`) with the scheduler's stop for the first refusal said as `stopReason` says it. */
  shown(reason: string): string {
    if (this.firstStop === undefined || !reason.includes(this.firstStop)) return reason;
    return reason.replace(this.firstStop, this.stopReason(this.firstStop)!);
  }

  /** The bar's counts with the refused rules the scheduler left in other states counted as failed, and how many of the failed were refused. */
  adjust(counts: Record<RuleState, number>, stateOf: (rule: number) => RuleState): { counts: Record<RuleState, number>; refused: number } {
    if (this.withClass.length === 0) return { counts, refused: this.reasons.size };
    const adjusted = { ...counts };
    for (const rule of this.withClass) {
      const state = stateOf(rule);
      if (state === "failed") continue;
      adjusted[state]--;
      adjusted.failed++;
    }
    return { counts: adjusted, refused: this.reasons.size };
  }

  stateOf(rule: number, state: RuleState): ShownState {
    return this.reasons.has(rule) ? "refused" : state;
  }

  private name(rule: number): string {
    return writtenPath(this.rules[rule]!.targets[0]!);
  }
}
