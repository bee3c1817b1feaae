/**
 * The simulator's event queue: a binary min-heap over (time, sequence) kept in typed arrays,
 * so that ties in time are broken by insertion order (stable, deterministic) and the heap
 * itself allocates nothing per event. The heap moves only a time and a slot number per level;
 * an event's data lives in its slot, which never moves: its sequence number here, and
 * whatever the user of the queue keeps in its own arrays indexed by slot (the simulator keeps
 * a message's fields there, so a message in flight is no object at all). `push`/`pop` carry
 * one payload object per event for callers that want no slot arrays of their own.
 * Cancellation is the payload's business (a cancelled timer is skipped when it comes up):
 * O(1), no search.
 */
export const EVENT_QUEUE_CAPACITY_INITIAL = 1024;
/** Hard bound on events queued at once; reaching it is reported as an event storm. */
export const EVENT_QUEUE_EVENTS_MAX = 50_000_000;

export class QueueFullError extends Error {
  override readonly name = "QueueFullError";
}

export class EventQueue<T> {
  /** Heap order: the time of the event at each heap position. */
  private times = new Float64Array(EVENT_QUEUE_CAPACITY_INITIAL);
  /** Heap order: the slot of the event at each heap position. */
  private heapSlots = new Int32Array(EVENT_QUEUE_CAPACITY_INITIAL);
  /** By slot: the insertion sequence number, which breaks ties in time. */
  private seqs = new Float64Array(EVENT_QUEUE_CAPACITY_INITIAL);
  /** A stack of free slots (`freeCount` of them). */
  private freeSlots = new Int32Array(EVENT_QUEUE_CAPACITY_INITIAL);
  private freeCount = 0;
  private size = 0;
  private nextSeq = 0;
  /** By slot, for `push`/`pop` only. */
  private payloads: Array<T | undefined> = [];
  /** Time of the last popped event. */
  lastTime = 0;

  constructor() {
    this.freeAll(0, EVENT_QUEUE_CAPACITY_INITIAL);
  }

  get length(): number {
    return this.size;
  }

  /** Number of slots: every slot number is below it. Grows (doubling) as events are queued. */
  get capacity(): number {
    return this.times.length;
  }

  /** Queues `payload` at `time`. */
  push(time: number, payload: T): void {
    const slot = this.reserve(time);
    while (this.payloads.length <= slot) this.payloads.push(undefined);
    this.payloads[slot] = payload;
  }

  /** Removes and returns the earliest payload, or undefined when empty. */
  pop(): T | undefined {
    const slot = this.take();
    if (slot < 0) return undefined;
    const payload = this.payloads[slot];
    this.payloads[slot] = undefined;
    return payload;
  }

  /**
   * Queues an event at `time` and returns its slot, where the caller stores the event's data
   * (in arrays of at least `capacity` entries) until `take` returns that slot.
   */
  reserve(time: number): number {
    if (this.freeCount === 0) this.grow();
    const slot = this.freeSlots[--this.freeCount]!;
    const seq = this.nextSeq++;
    const times = this.times;
    const heapSlots = this.heapSlots;
    const seqs = this.seqs;
    seqs[slot] = seq;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent]!;
      if (pt < time || (pt === time && seqs[heapSlots[parent]!]! < seq)) break;
      times[i] = pt;
      heapSlots[i] = heapSlots[parent]!;
      i = parent;
    }
    times[i] = time;
    heapSlots[i] = slot;
    return slot;
  }

  /**
   * Removes the earliest event and returns its slot (-1 when empty); `lastTime` becomes its
   * time. The slot is free again: read its data before the next `reserve`.
   */
  take(): number {
    if (this.size === 0) return -1;
    const times = this.times;
    const heapSlots = this.heapSlots;
    const top = heapSlots[0]!;
    this.lastTime = times[0]!;
    this.freeSlots[this.freeCount++] = top;
    const last = --this.size;
    if (last === 0) return top;
    const seqs = this.seqs;
    const time = times[last]!;
    const slot = heapSlots[last]!;
    const seq = seqs[slot]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= last) break;
      let ct = times[child]!;
      const right = child + 1;
      if (right < last) {
        const rt = times[right]!;
        if (rt < ct || (rt === ct && seqs[heapSlots[right]!]! < seqs[heapSlots[child]!]!)) {
          child = right;
          ct = rt;
        }
      }
      if (ct > time || (ct === time && seqs[heapSlots[child]!]! > seq)) break;
      times[i] = ct;
      heapSlots[i] = heapSlots[child]!;
      i = child;
    }
    times[i] = time;
    heapSlots[i] = slot;
    return top;
  }

  /** Time of the earliest event, or Infinity. */
  peekTime(): number {
    return this.size > 0 ? this.times[0]! : Number.POSITIVE_INFINITY;
  }

  /** Makes slots [from, to) free, lowest handed out first. */
  private freeAll(from: number, to: number): void {
    for (let slot = to - 1; slot >= from; slot--) this.freeSlots[this.freeCount++] = slot;
  }

  private grow(): void {
    const old = this.times.length;
    const capacity = old * 2;
    if (capacity > EVENT_QUEUE_EVENTS_MAX * 2) throw new QueueFullError(`event queue holds ${this.size} events (EVENT_QUEUE_EVENTS_MAX)`);
    const times = new Float64Array(capacity);
    const heapSlots = new Int32Array(capacity);
    const seqs = new Float64Array(capacity);
    times.set(this.times);
    heapSlots.set(this.heapSlots);
    seqs.set(this.seqs);
    this.times = times;
    this.heapSlots = heapSlots;
    this.seqs = seqs;
    this.freeSlots = new Int32Array(capacity);
    this.freeAll(old, capacity);
  }
}
