/**
 * V8 optimises a function once it has run its interrupt budget of bytecode (66 KB by default).
 * A workflow's per-task code gets there within a few hundred tasks, and optimising all of it
 * costs more CPU on V8's background threads (≈ 0.2 s on this class of machine) than a run of
 * a few thousand trivial tasks saves by it — CPU the tasks' own processes need. `skein flow`
 * runs with eight times the budget: −0.17 s of CPU for 2 000 trivial rules, within noise for
 * 20 000 (bench/RESULTS.md).
 *
 * V8 refuses a code cache made under other flags (Node's built-ins, bin/skein.cjs's cache of
 * the bundle), so the budget is raised only once the command's modules are loaded, and
 * bin/skein.cjs puts the default back before it writes the bundle's cache.
 */
import { setFlagsFromString } from "node:v8";

export const defaultInterruptBudget = 66 * 1024;
export const flowInterruptBudget = 8 * defaultInterruptBudget;

export function setInterruptBudget(bytes: number): void {
  setFlagsFromString(`--interrupt-budget=${bytes}`);
}
