/**
 * A binary min-heap of timed entries (wake-ups): push and pop in O(log n). Entries due at the
 * same time come out in the order they were pushed, so runs are deterministic.
 */
export interface Timed {
  readonly atMs: number;
}

interface Entry<T> {
  readonly item: T;
  readonly atMs: number;
  readonly sequence: number;
}

function before<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.sequence < b.sequence);
}

export class MinHeap<T extends Timed> {
  private readonly entries: Entry<T>[] = [];
  private sequence = 0;

  get size(): number {
    return this.entries.length;
  }

  peek(): T | undefined {
    return this.entries[0]?.item;
  }

  push(item: T): void {
    const entries = this.entries;
    const entry = { item, atMs: item.atMs, sequence: this.sequence++ };
    entries.push(entry);
    let index = entries.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(entry, entries[parent]!)) break;
      entries[index] = entries[parent]!;
      index = parent;
    }
    entries[index] = entry;
  }

  pop(): T | undefined {
    const entries = this.entries;
    const top = entries[0];
    const last = entries.pop();
    if (entries.length === 0 || last === undefined) return top?.item;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= entries.length) break;
      const right = left + 1;
      const child = right < entries.length && before(entries[right]!, entries[left]!) ? right : left;
      if (!before(entries[child]!, last)) break;
      entries[index] = entries[child]!;
      index = child;
    }
    entries[index] = last;
    return top?.item;
  }
}
