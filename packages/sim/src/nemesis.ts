/**
 * The nemesis: random faults during a run's safety phase. At the start of a run it draws its
 * own options from the seed — which fault kinds are on, how often they strike, how hard — so a
 * campaign over many seeds explores many fault mixes, and each run prints what it drew.
 * Then it strikes at exponentially distributed intervals until stopped.
 */
import type { Random } from "./random.ts";
import type { Simulation } from "./simulation.ts";

export const FAULT_KINDS = ["crash", "power-loss", "partition", "one-way-partition", "loss", "duplicate", "delay", "skew"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface NemesisInit {
  /** Fault kinds it may draw from (default all). Each run enables a random non-empty subset. */
  readonly kinds?: readonly FaultKind[];
  /** Mean time between strikes; each run draws its own in [½×, 2×] (default 1000 ms). */
  readonly meanIntervalMs?: number;
  /** Nodes that may crash or be skewed (default all). */
  readonly targets?: readonly string[];
  /** Most target nodes down at once (default ⌊(targets−1)/2⌋, at least 1). */
  readonly maxDown?: number;
  /** How long a crashed node stays down, [min, max] ms (default [50, 2000]). */
  readonly downMs?: readonly [number, number];
  /** How long a partition or link fault lasts, [min, max] ms (default [100, 3000]). */
  readonly faultMs?: readonly [number, number];
  /** Upper bounds of the drawn rates and magnitudes. */
  readonly lossRateMax?: number;
  readonly duplicateRateMax?: number;
  readonly delayExtraMsMax?: number;
  readonly skewMsMax?: number;
}

/** What one run drew. Printed with the run and included in its JSON summary. */
export interface NemesisDraw {
  readonly kinds: FaultKind[];
  readonly meanIntervalMs: number;
  readonly lossRate: number;
  readonly duplicateRate: number;
  readonly delayRate: number;
  readonly delayExtraMs: number;
  readonly skewMsMax: number;
}

export function describeDraw(draw: NemesisDraw): string {
  return `nemesis: ${draw.kinds.join(",")} every ~${Math.round(draw.meanIntervalMs)}ms (loss ${draw.lossRate.toFixed(3)}, dup ${draw.duplicateRate.toFixed(3)}, delay ${draw.delayRate.toFixed(2)}×${Math.round(draw.delayExtraMs)}ms, skew ±${Math.round(draw.skewMsMax)}ms)`;
}

export class Nemesis {
  readonly draw: NemesisDraw;
  private stopped = false;
  private readonly random: Random;
  private readonly targets: string[];
  private readonly maxDown: number;

  constructor(
    private readonly sim: Simulation,
    private readonly init: NemesisInit = {},
  ) {
    this.random = sim.streams.nemesis;
    this.targets = [...(init.targets ?? sim.nodeList.map((n) => n.id))];
    this.maxDown = init.maxDown ?? Math.max(1, Math.floor((this.targets.length - 1) / 2));
    this.draw = this.drawOptions();
  }

  private drawOptions(): NemesisDraw {
    const r = this.random;
    const offered = [...(this.init.kinds ?? FAULT_KINDS)];
    if (offered.length === 0) throw new RangeError("nemesis: no fault kinds to draw from");
    let kinds = offered.filter(() => r.chance(0.6));
    if (kinds.length === 0) kinds = [r.pick(offered)];
    const mean = this.init.meanIntervalMs ?? 1000;
    return {
      kinds,
      meanIntervalMs: r.uniform(mean / 2, mean * 2),
      lossRate: r.uniform(0, this.init.lossRateMax ?? 0.2),
      duplicateRate: r.uniform(0, this.init.duplicateRateMax ?? 0.2),
      delayRate: r.uniform(0.05, 0.5),
      delayExtraMs: r.uniform(1, this.init.delayExtraMsMax ?? 200),
      skewMsMax: r.uniform(1, this.init.skewMsMax ?? 5000),
    };
  }

  /** Starts striking from now on. */
  start(): void {
    this.scheduleNext();
  }

  /** No more strikes; faults already scheduled to end still end. */
  stop(): void {
    this.stopped = true;
  }

  private scheduleNext(): void {
    const delay = -Math.log(1 - this.random.next()) * this.draw.meanIntervalMs;
    this.sim.after(delay, () => {
      if (this.stopped) return;
      this.strike(this.random.pick(this.draw.kinds));
      this.scheduleNext();
    });
  }

  private span(range: readonly [number, number] | undefined, fallback: [number, number]): number {
    const [min, max] = range ?? fallback;
    return this.random.uniform(min, max);
  }

  private strike(kind: FaultKind): void {
    const { sim, random } = this;
    const faults = sim.faults;
    const faultMs = this.span(this.init.faultMs, [100, 3000]);
    switch (kind) {
      case "crash":
      case "power-loss": {
        const up = this.targets.filter((id) => sim.node(id).up);
        if (this.targets.length - up.length >= this.maxDown || up.length === 0) return;
        const id = random.pick(up);
        faults.crash(id, { loseUnsynced: kind === "power-loss" });
        sim.after(this.span(this.init.downMs, [50, 2000]), () => faults.restart(id));
        return;
      }
      case "partition": {
        const ids = sim.nodeList.map((n) => n.id);
        const side = ids.filter(() => random.chance(0.5));
        if (side.length === 0 || side.length === ids.length) return;
        faults.partition(side);
        sim.after(faultMs, () => faults.heal());
        return;
      }
      case "one-way-partition": {
        const ids = sim.nodeList.map((n) => n.id);
        const from = ids.filter(() => random.chance(0.5));
        const to = ids.filter((id) => !from.includes(id));
        if (from.length === 0 || to.length === 0) return;
        faults.partitionOneWay(from, to);
        sim.after(faultMs, () => faults.heal());
        return;
      }
      case "loss":
        faults.setLoss(this.draw.lossRate);
        sim.after(faultMs, () => faults.setLoss(0));
        return;
      case "duplicate":
        faults.setDuplicate(this.draw.duplicateRate);
        sim.after(faultMs, () => faults.setDuplicate(0));
        return;
      case "delay":
        faults.setDelay(this.draw.delayRate, this.draw.delayExtraMs);
        sim.after(faultMs, () => faults.setDelay(0, 0));
        return;
      case "skew":
        faults.skew(random.pick(this.targets), random.uniform(-this.draw.skewMsMax, this.draw.skewMsMax));
        return;
    }
  }
}
