/**
 * Seeded random streams. One seed drives a whole run; every consumer (each node, the network,
 * the nemesis) gets its own stream derived from it, so adding draws in one place never shifts
 * another's numbers. The generator is sfc32 (small, fast, passes PractRand), seeded by
 * splitmix32; a stream's whole state is four 32-bit words.
 */

function splitmix32(state: number): [number, number] {
  state = (state + 0x9e3779b9) | 0;
  let z = state;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [state, (z ^ (z >>> 16)) >>> 0];
}

/** Writes the initial state of stream `stream` of `seed` into `out[offset..offset+4)`. */
export function seedStream(seed: number, stream: number, out: Uint32Array, offset: number): void {
  let state = (Math.imul(seed | 0, 0x2545f491) ^ Math.imul(stream + 1, 0x9e3779b1) ^ Math.floor(seed / 0x100000000)) | 0;
  for (let i = 0; i < 4; i++) {
    let word: number;
    [state, word] = splitmix32(state);
    out[offset + i] = word;
  }
  if ((out[offset]! | out[offset + 1]! | out[offset + 2]!) === 0) out[offset] = 1;
  for (let i = 0; i < 12; i++) nextUint32(out, offset); // mix the fresh state
}

/** Next 32-bit output of the sfc32 stream stored at `s[o..o+4)`. */
export function nextUint32(s: Uint32Array, o: number): number {
  const a = s[o]!;
  const b = s[o + 1]!;
  const c = s[o + 2]!;
  const d = s[o + 3]!;
  const t = (((a + b) | 0) + d) | 0;
  s[o + 3] = (d + 1) | 0;
  s[o] = b ^ (b >>> 9);
  s[o + 1] = (c + (c << 3)) | 0;
  s[o + 2] = (((c << 21) | (c >>> 11)) + t) | 0;
  return t >>> 0;
}

/** A number in [0, 1) with 32 bits of randomness. */
export function nextFloat(s: Uint32Array, o: number): number {
  return nextUint32(s, o) / 4294967296;
}

/** A single random stream, for the network, the nemesis and tests. */
export class Random {
  private readonly state = new Uint32Array(4);

  constructor(seed: number, stream = 0) {
    seedStream(seed, stream, this.state, 0);
  }

  /** A number in [0, 1). */
  next(): number {
    return nextFloat(this.state, 0);
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** A number in [min, max). */
  uniform(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** A standard normal deviate (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/** Streams reserved for the simulator's own consumers; node streams start after them. */
export const Stream = { network: 0, nemesis: 1, scenario: 2, storage: 3, firstNode: 16 } as const;
