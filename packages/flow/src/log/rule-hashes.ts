/**
 * The log's two hashes of a rule as numbers: FNV-1a, 32 bits (fnv.ts), run over the command and
 * the files' spellings piece by piece rather than over a string joined from them, so reading the
 * log of 10⁶ rules builds no string per rule. `hex` spells a hash as the log writes it.
 */
import type { FileReference, Rule } from "../workflow.ts";

const offsetBasis = 0x811c9dc5;
const prime = 0x01000193;

function over(hash: number, text: string): number {
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), prime);
  return hash;
}

/** The files' spellings (as written: `/w/b`, `../w/b`), each after a NUL but the first. */
function overFiles(hash: number, files: readonly FileReference[]): number {
  for (let i = 0; i < files.length; i++) {
    if (i > 0) hash = Math.imul(hash ^ 0, prime);
    const file = files[i]!;
    hash = over(hash, file.written ?? file.path);
  }
  return hash;
}

/** FNV-1a of `command NUL targets NUL sources` (files joined by NUL), unsigned. */
export function ruleHashNumber(rule: Rule): number {
  let hash = over(offsetBasis, rule.command);
  hash = Math.imul(hash ^ 0, prime);
  hash = overFiles(hash, rule.targets);
  hash = Math.imul(hash ^ 0, prime);
  return overFiles(hash, rule.sources) >>> 0;
}

/** FNV-1a of the targets joined by NUL, unsigned. */
export function targetsHashNumber(rule: Rule): number {
  return overFiles(offsetBasis, rule.targets) >>> 0;
}

/** Targets a rule may have for `reorderedTargetsHashes` to try every order of them (4! = 24). */
export const reorderedTargetsMax = 4;

/**
 * Calls `each` with the targets hash of every other order of the rule's targets, for a rule of 2
 * to `reorderedTargetsMax` targets: a log line of an earlier version that listed the same
 * targets in another order is the rule's own.
 */
export function reorderedTargetsHashes(rule: Rule, each: (hash: number) => void): void {
  const targets = rule.targets;
  if (targets.length < 2 || targets.length > reorderedTargetsMax) return;
  const order: FileReference[] = [];
  const used = new Array<boolean>(targets.length).fill(false);
  const visit = (): void => {
    if (order.length === targets.length) {
      if (order.some((file, index) => file !== targets[index])) each(overFiles(offsetBasis, order) >>> 0);
      return;
    }
    for (let index = 0; index < targets.length; index++) {
      if (used[index]) continue;
      used[index] = true;
      order.push(targets[index]!);
      visit();
      order.pop();
      used[index] = false;
    }
  };
  visit();
}

/** A hash as the log spells it: 8 lower-case hex digits. */
export function hex(hash: number): string {
  return hash.toString(16).padStart(8, "0");
}
