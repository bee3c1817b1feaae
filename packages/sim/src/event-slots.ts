/**
 * The data of the simulator's queued events, by event-queue slot. A message in flight is no
 * object: its kind, id, call id and node indices sit in typed arrays, and the four references
 * it needs (source and target address, type, body) in one array, four entries per slot. The
 * alternative — an envelope object plus a delivery record per message — costs two
 * allocations per message, and with 10⁵ messages in flight both survive into the old
 * generation, where collecting them dominated a large run. Timers, actions and unreachable
 * notices keep their one payload object in the first reference entry.
 */
import type { Address, EnvelopeKind } from "@skein/core";

/** Event kinds 0..3 are deliveries of a message of that `EnvelopeKind`. */
export const TIMER = 4;
export const ACTION = 5;
export const UNREACHABLE = 6;

/** References per slot: source address, target address, type, body. */
export const REFS_PER_SLOT = 4;

export class EventSlots {
  kinds = new Uint8Array(0);
  /** The message id `m` of the trace. */
  messageIds = new Float64Array(0);
  callIds = new Float64Array(0);
  sourceNodes = new Int32Array(0);
  targetNodes = new Int32Array(0);
  refs: unknown[] = [];

  /** Makes room for slots [0, capacity). */
  ensure(capacity: number): void {
    if (this.kinds.length >= capacity) return;
    this.kinds = grown(new Uint8Array(capacity), this.kinds);
    this.messageIds = grown(new Float64Array(capacity), this.messageIds);
    this.callIds = grown(new Float64Array(capacity), this.callIds);
    this.sourceNodes = grown(new Int32Array(capacity), this.sourceNodes);
    this.targetNodes = grown(new Int32Array(capacity), this.targetNodes);
    const refs = this.refs;
    while (refs.length < capacity * REFS_PER_SLOT) refs.push(undefined); // packed, no holes
  }

  setMessage(slot: number, kind: EnvelopeKind, m: number, source: number, target: number, sourceAddress: Address, targetAddress: Address, type: string, body: unknown, callId: number): void {
    this.kinds[slot] = kind;
    this.messageIds[slot] = m;
    this.callIds[slot] = callId;
    this.sourceNodes[slot] = source;
    this.targetNodes[slot] = target;
    const r = slot * REFS_PER_SLOT;
    const refs = this.refs;
    refs[r] = sourceAddress;
    refs[r + 1] = targetAddress;
    refs[r + 2] = type;
    refs[r + 3] = body;
  }

  setPayload(slot: number, kind: typeof TIMER | typeof ACTION | typeof UNREACHABLE, payload: unknown): void {
    this.kinds[slot] = kind;
    this.refs[slot * REFS_PER_SLOT] = payload;
  }

  /** Returns the payload of slot and forgets it (so nothing stays reachable from a free slot). */
  takePayload(slot: number): unknown {
    const r = slot * REFS_PER_SLOT;
    const payload = this.refs[r];
    this.refs[r] = undefined;
    return payload;
  }
}

function grown<A extends Uint8Array | Float64Array | Int32Array>(into: A, from: A): A {
  into.set(from);
  return into;
}
