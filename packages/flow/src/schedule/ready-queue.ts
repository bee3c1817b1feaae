/**
 * Ready rules grouped by resource class (same needs, same LOCAL flag): each class is a FIFO,
 * and dispatch looks only at the head of each class. A rule that does not fit never blocks
 * rules of another class, and choosing the next task costs O(classes), not O(ready rules) —
 * the quadratic scan that makes upstream Makeflow slow on 20 000 rules is what this avoids.
 */
import type { Rule } from "../workflow.ts";
import { type Capacity, needOf } from "./capacity.ts";

export interface ResourceClass {
  readonly key: string;
  readonly need: Capacity;
  readonly local: boolean;
  readonly category: string;
  rules: number[];
  head: number;
}

export class ReadyQueue {
  /** Classes in order of first appearance, so dispatch order is deterministic. */
  readonly classes: ResourceClass[] = [];
  private readonly byKey = new Map<string, ResourceClass>();
  size = 0;

  classFor(need: Capacity, local: boolean, category: string): ResourceClass {
    const key = `${local ? "L" : "R"}:${category}:${need.cores}:${need.memoryMb}:${need.diskMb}:${need.gpus}`;
    let found = this.byKey.get(key);
    if (!found) {
      found = { key, need, local, category, rules: [], head: 0 };
      this.byKey.set(key, found);
      this.classes.push(found);
    }
    return found;
  }

  /**
   * Each rule's class. Rules of one category share the parser's Resources object, so a run of
   * alike rules is looked up once.
   */
  classesOf(rules: readonly Rule[]): ResourceClass[] {
    let previous: Rule | undefined;
    let previousClass: ResourceClass | undefined;
    return rules.map((rule) => {
      if (previous === undefined || rule.resources !== previous.resources || rule.local !== previous.local || rule.category !== previous.category) {
        previousClass = this.classFor(needOf(rule.resources), rule.local, rule.category);
      }
      previous = rule;
      return previousClass!;
    });
  }

  push(resourceClass: ResourceClass, rule: number): void {
    resourceClass.rules.push(rule);
    this.size++;
  }

  peek(resourceClass: ResourceClass): number | undefined {
    return resourceClass.rules[resourceClass.head];
  }

  shift(resourceClass: ResourceClass): number {
    const rule = resourceClass.rules[resourceClass.head++]!;
    this.size--;
    if (resourceClass.head > 1024 && resourceClass.head * 2 > resourceClass.rules.length) {
      resourceClass.rules = resourceClass.rules.slice(resourceClass.head);
      resourceClass.head = 0;
    }
    return rule;
  }

  /** Removes every queued rule of a class (used when a class can never run). */
  drain(resourceClass: ResourceClass): number[] {
    const rules = resourceClass.rules.slice(resourceClass.head);
    this.size -= rules.length;
    resourceClass.rules = [];
    resourceClass.head = 0;
    return rules;
  }
}
