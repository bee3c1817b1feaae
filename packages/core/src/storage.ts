/**
 * Per-node durable storage, as a service sees it: a key/value map and an append-only log.
 *
 * Reads and writes are synchronous and act on the node's view at once; **durability is
 * explicit**: a write is only guaranteed to survive a crash once a later `sync()` has resolved.
 * A plain process crash keeps unsynced writes (the OS still has them); a power failure (the
 * simulator's `crash(node, { loseUnsynced: true })`) may lose any suffix of them.
 *
 * Values must be plain data (JSON-compatible: objects, arrays, strings, finite numbers,
 * booleans, null) because real runtimes write them to disk. Stored values are copies: mutating
 * an object after `put` does not change what is stored.
 */
export interface Storage {
  get<T = unknown>(key: string): T | undefined;
  put(key: string, value: unknown): void;
  delete(key: string): void;
  /** Keys in ascending order, optionally only those starting with `prefix`. */
  keys(prefix?: string): string[];
  /** Appends a record to the log; returns its index. */
  append(record: unknown): number;
  /** Every record of the log, oldest first (copies). */
  records<T = unknown>(): T[];
  /** Number of records in the log. */
  readonly length: number;
  /** Resolves once every earlier write is durable. */
  sync(): Promise<void>;
}

type Op = { kind: "put"; key: string; value: unknown } | { kind: "delete"; key: string } | { kind: "append"; record: unknown };

function copy<T>(value: T): T {
  return value === undefined ? value : structuredClone(value);
}

/**
 * Storage in memory with a durable part and a list of unsynced operations. The simulator uses
 * it for every node; tests use it directly.
 */
export class MemoryStorage implements Storage {
  private readonly durableMap = new Map<string, unknown>();
  private readonly durableLog: unknown[] = [];
  private readonly viewMap = new Map<string, unknown>();
  private readonly viewLog: unknown[] = [];
  private unsynced: Op[] = [];

  get<T = unknown>(key: string): T | undefined {
    return copy(this.viewMap.get(key)) as T | undefined;
  }

  put(key: string, value: unknown): void {
    const stored = copy(value);
    this.viewMap.set(key, stored);
    this.unsynced.push({ kind: "put", key, value: stored });
  }

  delete(key: string): void {
    this.viewMap.delete(key);
    this.unsynced.push({ kind: "delete", key });
  }

  keys(prefix = ""): string[] {
    const out: string[] = [];
    for (const key of this.viewMap.keys()) if (key.startsWith(prefix)) out.push(key);
    return out.sort();
  }

  append(record: unknown): number {
    const stored = copy(record);
    this.viewLog.push(stored);
    this.unsynced.push({ kind: "append", record: stored });
    return this.viewLog.length - 1;
  }

  records<T = unknown>(): T[] {
    return this.viewLog.map((r) => copy(r)) as T[];
  }

  get length(): number {
    return this.viewLog.length;
  }

  sync(): Promise<void> {
    this.flush(this.unsynced.length);
    return Promise.resolve();
  }

  /**
   * The current value without copying, for checkers that observe many nodes after every
   * event. Never mutate what it returns.
   */
  peek<T = unknown>(key: string): T | undefined {
    return this.viewMap.get(key) as T | undefined;
  }

  /** The durable value (what a power failure now would keep), without copying. */
  peekDurable<T = unknown>(key: string): T | undefined {
    return this.durableMap.get(key) as T | undefined;
  }

  /** Number of writes not yet durable. */
  get unsyncedCount(): number {
    return this.unsynced.length;
  }

  /**
   * The node lost power: only the first `keep` unsynced writes reached the disk (default none),
   * and the view returns to what is durable.
   */
  loseUnsynced(keep = 0): number {
    const lost = this.unsynced.length - Math.min(keep, this.unsynced.length);
    this.flush(Math.min(keep, this.unsynced.length));
    this.unsynced = [];
    this.viewMap.clear();
    for (const [k, v] of this.durableMap) this.viewMap.set(k, v);
    this.viewLog.length = 0;
    this.viewLog.push(...this.durableLog);
    return lost;
  }

  /** Makes the first `count` unsynced writes durable. */
  private flush(count: number): void {
    for (let i = 0; i < count; i++) {
      const op = this.unsynced[i]!;
      if (op.kind === "put") this.durableMap.set(op.key, op.value);
      else if (op.kind === "delete") this.durableMap.delete(op.key);
      else this.durableLog.push(op.record);
    }
    this.unsynced = this.unsynced.slice(count);
  }
}
