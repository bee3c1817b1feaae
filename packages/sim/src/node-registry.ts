/**
 * Node ids to node indices, for the lookup every message needs. An open-addressing hash table
 * of indices in an `Int32Array`, hashing ids in JavaScript (FNV-1a). A `Map<string, NodeHost>`
 * was the obvious choice, but a target id is often a string built just before the send
 * (`` `n${i}` ``), whose hash V8 then computes in a runtime call on every `Map.get`: a fifth of
 * a simple ping's cost. The table also costs 8–16 bytes per node against a Map's ≈ 40.
 */
const LOAD_MAX = 0.5;

export class NodeRegistry {
  /** Node index + 1 per bucket; 0 is empty. */
  private table = new Int32Array(16);
  private readonly ids: string[] = [];

  get size(): number {
    return this.ids.length;
  }

  /** The index of node `id`, or -1. */
  indexOf(id: string): number {
    const table = this.table;
    const mask = table.length - 1;
    let bucket = hashOf(id) & mask;
    for (;;) {
      const entry = table[bucket]!;
      if (entry === 0) return -1;
      if (this.ids[entry - 1] === id) return entry - 1;
      bucket = (bucket + 1) & mask;
    }
  }

  /** Registers `id` (not yet registered) as the next index; returns that index. */
  add(id: string): number {
    const index = this.ids.length;
    this.ids.push(id);
    if (this.ids.length > this.table.length * LOAD_MAX) this.rehash(this.table.length * 2);
    else this.insert(this.table, index);
    return index;
  }

  private insert(table: Int32Array, index: number): void {
    const mask = table.length - 1;
    let bucket = hashOf(this.ids[index]!) & mask;
    while (table[bucket] !== 0) bucket = (bucket + 1) & mask;
    table[bucket] = index + 1;
  }

  private rehash(capacity: number): void {
    const table = new Int32Array(capacity);
    for (let index = 0; index < this.ids.length; index++) this.insert(table, index);
    this.table = table;
  }
}

/** FNV-1a over UTF-16 code units, finished with a multiply-xorshift so low bits mix well. */
function hashOf(id: string): number {
  let hash = 0x811c9dc5 | 0;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  hash = Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d);
  return hash ^ (hash >>> 12);
}
