/** Rule states as the scheduler stores them: one byte a rule, its index in `stateCodes`. */
import type { RuleState } from "./types.ts";

export const stateCodes: RuleState[] = ["waiting", "ready", "running", "retrying", "done", "failed"];

/** How many rules are in each state. */
export function countStates(state: Uint8Array): Record<RuleState, number> {
  const counts: Record<RuleState, number> = { waiting: 0, ready: 0, running: 0, retrying: 0, done: 0, failed: 0 };
  for (const code of state) counts[stateCodes[code]!]++;
  return counts;
}
