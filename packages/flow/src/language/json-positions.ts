/**
 * Where the entries of each container of a JSON document start, for json-reader.ts: one table
 * of offsets for the whole document, in an Int32Array, instead of an array per container.
 */

/** Past this many keys, an object's key offsets are looked up in a map. */
const flatKeysMax = 16;

/** An Int32Array that grows (a plain array's `push` costs far more at 10⁶ entries). */
export class Int32List {
  values = new Int32Array(1024);
  length = 0;

  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Int32Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }
}

/**
 * The entries of every container read: at a container's base, the count of its entries, then
 * the offset of each (an array's item, an object's key). Entries are collected on a stack while
 * the container is read (its items' own containers are read meanwhile), and copied to the table
 * when it ends.
 */
export class Positions {
  private readonly table = new Int32List();
  private readonly stack = new Int32List();
  /** Offsets by key of large objects, by base, made on the first lookup. */
  private readonly maps = new Map<number, Map<string, number>>();

  constructor(
    /** The key whose quote is at `offset`. */
    private readonly keyAt: (offset: number) => string,
  ) {}

  get mark(): number {
    return this.stack.length;
  }

  push(offset: number): void {
    this.stack.push(offset);
  }

  /** The offset of `key` among the keys pushed since `mark` (the object being read). */
  pending(mark: number, key: string): number | undefined {
    for (let i = mark; i < this.stack.length; i++) if (this.keyAt(this.stack.values[i]!) === key) return this.stack.values[i];
    return undefined;
  }

  /** Moves the entries pushed since `mark` into the table; returns their base. */
  close(mark: number): number {
    const { table, stack } = this;
    const count = stack.length - mark;
    const base = table.length;
    while (table.values.length < base + 1 + count) {
      const grown = new Int32Array(table.values.length * 2);
      grown.set(table.values);
      table.values = grown;
    }
    const values = table.values;
    values[base] = count;
    for (let i = 0; i < count; i++) values[base + 1 + i] = stack.values[mark + i]!; // no subarray view to allocate
    table.length = base + 1 + count;
    stack.length = mark;
    return base;
  }

  item(base: number, index: number): number | undefined {
    return Number.isInteger(index) && index >= 0 && index < this.table.values[base]! ? this.table.values[base + 1 + index] : undefined;
  }

  key(base: number, key: string): number | undefined {
    const values = this.table.values;
    const count = values[base]!;
    if (count > flatKeysMax) {
      let map = this.maps.get(base);
      if (map === undefined) {
        map = new Map();
        for (let i = base + count; i > base; i--) map.set(this.keyAt(values[i]!), values[i]!);
        this.maps.set(base, map);
      }
      return map.get(key);
    }
    for (let i = base + 1; i <= base + count; i++) if (this.keyAt(values[i]!) === key) return values[i];
    return undefined;
  }
}
