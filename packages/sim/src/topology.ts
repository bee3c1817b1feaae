/**
 * Topology models: how long a message takes from one node to another. A model is a plain
 * object with `delayMs`, so scenarios can combine the ones here or write their own. Delays are
 * drawn from the network's random stream, so they are part of the seed.
 */
import type { NodeHost } from "@skein/core";
import type { Random } from "./random.ts";

export interface Topology {
  /** One-way delay in ms of a `bytes`-long message sent at `nowMs` (≥ 0). */
  delayMs(source: NodeHost, target: NodeHost, bytes: number, nowMs: number, random: Random): number;
  /** True when the model uses `bytes` (the simulator then estimates message sizes). */
  readonly needsBytes?: boolean;
  /** Human-readable description, printed with a run's options. */
  readonly description: string;
}

/** Every message takes exactly `ms`. */
export function constant(ms: number): Topology {
  checkDelay("constant", ms);
  return { description: `constant(${ms}ms)`, delayMs: () => ms };
}

/** Delays uniform in [minMs, maxMs). */
export function uniform(minMs: number, maxMs: number): Topology {
  checkDelay("uniform min", minMs);
  if (!(maxMs >= minMs)) throw new RangeError(`uniform: maxMs ${maxMs} < minMs ${minMs}`);
  return { description: `uniform(${minMs}..${maxMs}ms)`, delayMs: (_s, _t, _b, _n, r) => r.uniform(minMs, maxMs) };
}

/**
 * Long-tailed (log-normal) delays: half the messages are faster than `medianMs`, one in a
 * hundred slower than `p99Ms`, capped at `maxMs` (default 100 × median) so a run stays bounded.
 */
export function longTail(init: { medianMs: number; p99Ms: number; maxMs?: number }): Topology {
  const { medianMs, p99Ms } = init;
  checkDelay("longTail median", medianMs);
  if (!(p99Ms >= medianMs) || medianMs <= 0) throw new RangeError(`longTail: need 0 < medianMs <= p99Ms, got ${medianMs}, ${p99Ms}`);
  const mu = Math.log(medianMs);
  const sigma = Math.log(p99Ms / medianMs) / 2.3263;
  const maxMs = init.maxMs ?? medianMs * 100;
  return {
    description: `longTail(median ${medianMs}ms, p99 ${p99Ms}ms)`,
    delayMs: (_s, _t, _b, _n, r) => Math.min(maxMs, Math.exp(mu + sigma * r.normal())),
  };
}

/**
 * Per-region latency: `matrixMs[a][b]` is the base delay from region a to region b, plus a
 * jitter drawn from `jitter` (default none). Nodes are placed by `regionOf(nodeId)`.
 */
export function regions(init: {
  names: readonly string[];
  matrixMs: readonly (readonly number[])[];
  regionOf: (nodeId: string) => string;
  jitter?: Topology;
}): Topology {
  const { names, matrixMs, regionOf, jitter } = init;
  if (matrixMs.length !== names.length || matrixMs.some((row) => row.length !== names.length)) {
    throw new RangeError(`regions: matrixMs must be ${names.length}×${names.length}`);
  }
  for (const ms of matrixMs.flat()) checkDelay("regions matrix entry", ms);
  const cache = new Map<string, number>();
  const regionIndex = (id: string): number => {
    let index = cache.get(id);
    if (index === undefined) {
      index = names.indexOf(regionOf(id));
      if (index < 0) throw new RangeError(`regions: node ${id} is in unknown region '${regionOf(id)}'`);
      cache.set(id, index);
    }
    return index;
  };
  return {
    description: `regions(${names.join(",")})`,
    delayMs: (s, t, b, n, r) => matrixMs[regionIndex(s.id)]![regionIndex(t.id)]! + (jitter ? jitter.delayMs(s, t, b, n, r) : 0),
  };
}

/** `base` for every link except those in `links` (keyed `"source->target"` by node id). */
export function perLink(base: Topology, links: Record<string, Topology>): Topology {
  const map = new Map(Object.entries(links));
  return {
    description: `perLink(${base.description}; ${map.size} overrides)`,
    needsBytes: base.needsBytes || [...map.values()].some((t) => t.needsBytes),
    delayMs: (s, t, b, n, r) => (map.get(`${s.id}->${t.id}`) ?? base).delayMs(s, t, b, n, r),
  };
}

/**
 * Adds a bandwidth limit per directed link: a message occupies its link for
 * `bytes / bytesPerMs` and queues behind earlier ones, then takes `base`'s delay.
 */
export function withBandwidth(base: Topology, bytesPerMs: number | ((source: string, target: string) => number)): Topology {
  const rate = typeof bytesPerMs === "number" ? () => bytesPerMs : bytesPerMs;
  const busyUntil = new Map<string, number>();
  return {
    description: `${base.description}+bandwidth`,
    needsBytes: true,
    delayMs(s, t, bytes, now, r) {
      const key = `${s.id}->${t.id}`;
      const perMs = rate(s.id, t.id);
      if (!(perMs > 0)) throw new RangeError(`withBandwidth: rate for ${key} must be > 0, got ${perMs}`);
      const startMs = Math.max(now, busyUntil.get(key) ?? 0);
      const doneMs = startMs + bytes / perMs;
      busyUntil.set(key, doneMs);
      return doneMs - now + base.delayMs(s, t, bytes, now, r);
    },
  };
}

function checkDelay(what: string, ms: number): void {
  if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError(`${what}: delay must be a finite number ≥ 0, got ${ms}`);
}
