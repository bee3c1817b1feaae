/**
 * The simulator's event queue: a binary min-heap over (time, sequence) kept in typed arrays,
 * so that ties in time are broken by insertion order (stable, deterministic) and the heap
 * itself allocates nothing per event. Payloads live in a slot array beside it. Cancellation is
 * the payload's business (a cancelled timer is skipped when it comes up): O(1), no search.
 */
export const EVENT_QUEUE_CAPACITY_INITIAL = 1024;
/** Hard bound on events queued at once; reaching it is reported as an event storm. */
export const EVENT_QUEUE_EVENTS_MAX = 50_000_000;

export class QueueFullError extends Error {
  override readonly name = "QueueFullError";
}

export class EventQueue<T> {
  private times = new Float64Array(EVENT_QUEUE_CAPACITY_INITIAL);
  private seqs = new Float64Array(EVENT_QUEUE_CAPACITY_INITIAL);
  private slots = new Int32Array(EVENT_QUEUE_CAPACITY_INITIAL);
  private size = 0;
  private nextSeq = 0;
  private payloads: Array<T | null> = [];
  private freeSlots: number[] = [];
  /** Time of the last popped event. */
  lastTime = 0;

  get length(): number {
    return this.size;
  }

  /** Queues `payload` at `time`; returns its sequence number. */
  push(time: number, payload: T): number {
    if (this.size === this.times.length) this.grow();
    const slot = this.freeSlots.length > 0 ? this.freeSlots.pop()! : this.payloads.length;
    const seq = this.nextSeq++;
    this.payloads[slot] = payload;
    let i = this.size++;
    const times = this.times;
    const seqs = this.seqs;
    const slots = this.slots;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent]!;
      if (pt < time || (pt === time && seqs[parent]! < seq)) break;
      times[i] = pt;
      seqs[i] = seqs[parent]!;
      slots[i] = slots[parent]!;
      i = parent;
    }
    times[i] = time;
    seqs[i] = seq;
    slots[i] = slot;
    return seq;
  }

  /** Time of the earliest event, or Infinity. */
  peekTime(): number {
    return this.size > 0 ? this.times[0]! : Number.POSITIVE_INFINITY;
  }

  /** Removes and returns the earliest payload, or undefined when empty. */
  pop(): T | undefined {
    if (this.size === 0) return undefined;
    const payload = this.payloads[this.slots[0]!]!;
    this.lastTime = this.times[0]!;
    this.removeTop();
    return payload;
  }

  private removeTop(): void {
    const slot = this.slots[0]!;
    this.payloads[slot] = null;
    this.freeSlots.push(slot);
    const last = --this.size;
    if (last === 0) return;
    const times = this.times;
    const seqs = this.seqs;
    const slots = this.slots;
    const time = times[last]!;
    const seq = seqs[last]!;
    const lastSlot = slots[last]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= last) break;
      const right = child + 1;
      if (right < last && (times[right]! < times[child]! || (times[right] === times[child] && seqs[right]! < seqs[child]!))) child = right;
      const ct = times[child]!;
      if (ct > time || (ct === time && seqs[child]! > seq)) break;
      times[i] = ct;
      seqs[i] = seqs[child]!;
      slots[i] = slots[child]!;
      i = child;
    }
    times[i] = time;
    seqs[i] = seq;
    slots[i] = lastSlot;
  }

  private grow(): void {
    const capacity = this.times.length * 2;
    if (capacity > EVENT_QUEUE_EVENTS_MAX * 2) throw new QueueFullError(`event queue holds ${this.size} events (EVENT_QUEUE_EVENTS_MAX)`);
    const times = new Float64Array(capacity);
    const seqs = new Float64Array(capacity);
    const slots = new Int32Array(capacity);
    times.set(this.times);
    seqs.set(this.seqs);
    slots.set(this.slots);
    this.times = times;
    this.seqs = seqs;
    this.slots = slots;
  }
}
