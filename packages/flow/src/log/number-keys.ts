/**
 * A map from keys of one to three 32-bit words (a rule's hashes, a rule index) to numbers, in
 * typed arrays with open addressing: a rule added above 10⁶ others moves every line of the log,
 * and Maps of 10⁶ strings (`"17 9f3a01bc 0c77887e"`) made reading it take seconds and hundreds
 * of megabytes. Grows by doubling past half full; `get` of an absent key is undefined.
 */
export class NumberKeys {
  private keys: Uint32Array;
  private values: Float64Array;
  private used: Uint8Array;
  private count = 0;

  constructor(
    /** Words per key, 1 to 3. */
    private readonly words: 1 | 2 | 3,
    capacity = 1024,
  ) {
    const size = 1 << Math.ceil(Math.log2(Math.max(capacity * 2, 16)));
    this.keys = new Uint32Array(size * words);
    this.values = new Float64Array(size);
    this.used = new Uint8Array(size);
  }

  get size(): number {
    return this.count;
  }

  get(a: number, b = 0, c = 0): number | undefined {
    const slot = this.find(a, b, c);
    return this.used[slot] === 1 ? this.values[slot] : undefined;
  }

  set(a: number, b: number, c: number, value: number): void {
    let slot = this.find(a, b, c);
    if (this.used[slot] === 1) {
      this.values[slot] = value;
      return;
    }
    if ((this.count + 1) * 2 > this.used.length) {
      this.grow();
      slot = this.find(a, b, c);
    }
    const at = slot * this.words;
    this.keys[at] = a;
    if (this.words > 1) this.keys[at + 1] = b;
    if (this.words > 2) this.keys[at + 2] = c;
    this.values[slot] = value;
    this.used[slot] = 1;
    this.count++;
  }

  /** The slot holding the key, or the free slot where it would go. */
  private find(a: number, b: number, c: number): number {
    const mask = this.used.length - 1;
    let hash = Math.imul(a ^ Math.imul(b, 0x9e3779b1) ^ Math.imul(c, 0x85ebca6b), 0xc2b2ae35);
    hash ^= hash >>> 15;
    const { keys, used, words } = this;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      if (used[slot] === 0) return slot;
      const at = slot * words;
      if (keys[at] === a && (words < 2 || keys[at + 1] === b) && (words < 3 || keys[at + 2] === c)) return slot;
    }
  }

  private grow(): void {
    const { keys, values, used, words } = this;
    const size = used.length * 2;
    this.keys = new Uint32Array(size * words);
    this.values = new Float64Array(size);
    this.used = new Uint8Array(size);
    for (let slot = 0; slot < used.length; slot++) {
      if (used[slot] === 0) continue;
      const at = slot * words;
      const target = this.find(keys[at]!, words > 1 ? keys[at + 1]! : 0, words > 2 ? keys[at + 2]! : 0);
      const to = target * words;
      for (let word = 0; word < words; word++) this.keys[to + word] = keys[at + word]!;
      this.values[target] = values[slot]!;
      this.used[target] = 1;
    }
  }
}

/** The number an 8-digit lower-case hex word spells (as the log writes hashes), or -1 for any other text. */
export function hexNumber(text: string | undefined): number {
  if (text === undefined || text.length !== 8) return -1;
  let value = 0;
  for (let i = 0; i < 8; i++) {
    const c = text.charCodeAt(i);
    const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}
