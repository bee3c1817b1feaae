/**
 * Fault injection for scripted scenarios and the nemesis. Every fault is written to the trace
 * when it fires and counted in `sim.faultsFired`, so a campaign can show that its faults
 * actually happened.
 */
import type { NodeHost } from "@skein/core";
import { NO_LINK_FAULTS } from "./network.ts";
import type { Simulation } from "./simulation.ts";

export interface CrashInit {
  /** Power failure: unsynced writes are lost (default false: a process crash keeps them). */
  readonly loseUnsynced?: boolean;
  /** With loseUnsynced: how many of the oldest unsynced writes still reached the disk
   * (default: a random number drawn from the storage stream, possibly none). */
  readonly keepUnsynced?: number;
}

export class Faults {
  constructor(private readonly sim: Simulation) {}

  private fired(fault: string, detail: Record<string, unknown> = {}): void {
    this.sim.countFault(fault);
    this.sim.trace({ t: this.sim.timeMs, e: "fault", fault, ...detail });
  }

  /** Crashes node `id` now: memory, timers and calls in flight are lost. */
  crash(id: string, init: CrashInit = {}): void {
    const host = this.sim.node(id);
    if (!host.up) return;
    host.crash();
    if (init.loseUnsynced) {
      const storage = this.sim.storageOf(id);
      const unsynced = storage.unsyncedCount;
      const keep = init.keepUnsynced ?? this.sim.streams.storage.int(0, unsynced);
      const lost = storage.loseUnsynced(keep);
      this.fired("power-loss", { node: id, lostWrites: lost });
    } else {
      this.fired("crash", { node: id });
    }
  }

  /** Restarts a crashed node: its services start fresh and recover from storage. */
  restart(id: string): void {
    const host = this.sim.node(id);
    if (host.up) return;
    this.fired("restart", { node: id });
    this.sim.startNode(host);
  }

  /** Stops node `id` gracefully (its services' stop hooks run). */
  stop(id: string): void {
    const host = this.sim.node(id);
    if (!host.up) return;
    host.stop();
    this.fired("stop", { node: id });
  }

  /**
   * Splits the cluster: nodes in different groups cannot talk; nodes in no group form one
   * more group. `partition(["n1"])` isolates n1.
   */
  partition(...groups: string[][]): void {
    this.sim.network.partition(groups.map((g) => g.map((id) => this.sim.node(id).index)));
    this.fired("partition", { groups });
  }

  /** Messages from `from` to `to` are dropped; the other direction still works. */
  partitionOneWay(from: string[], to: string[]): void {
    this.sim.network.cutOneWay(
      from.map((id) => this.sim.node(id).index),
      to.map((id) => this.sim.node(id).index),
    );
    this.fired("one-way-partition", { from, to });
  }

  /** Removes every partition. */
  heal(): void {
    if (!this.sim.network.isPartitioned) return;
    this.sim.network.heal();
    this.fired("heal");
  }

  /** Drops each message with probability `rate`. */
  setLoss(rate: number): void {
    this.sim.network.faults.lossRate = checkRate("loss", rate);
    this.fired(rate > 0 ? "loss" : "loss-end", { rate });
  }

  /** Delivers each message twice with probability `rate`. */
  setDuplicate(rate: number): void {
    this.sim.network.faults.duplicateRate = checkRate("duplicate", rate);
    this.fired(rate > 0 ? "duplicate" : "duplicate-end", { rate });
  }

  /** Delays each message by up to `extraMs` more with probability `rate` (reordering). */
  setDelay(rate: number, extraMs: number): void {
    if (!(extraMs >= 0)) throw new RangeError(`extraMs must be ≥ 0, got ${extraMs}`);
    this.sim.network.faults.delayRate = checkRate("delay", rate);
    this.sim.network.faults.delayExtraMs = extraMs;
    this.fired(rate > 0 ? "delay" : "delay-end", { rate, extraMs });
  }

  /** Shifts node `id`'s clock: its `now()` reads virtual time + `offsetMs`. */
  skew(id: string, offsetMs: number): void {
    this.sim.setSkew(id, offsetMs);
    this.fired("skew", { node: id, offsetMs });
  }

  /** Ends every fault: heals partitions, clears link faults and skews, restarts down nodes. */
  healAll(): void {
    this.heal();
    const faults = this.sim.network.faults;
    if (faults.lossRate || faults.duplicateRate || faults.delayRate) {
      this.sim.network.faults = { ...NO_LINK_FAULTS };
      this.fired("clear-link-faults");
    }
    for (const host of this.sim.nodeList) {
      if (this.sim.skewOf(host.id) !== 0) this.skew(host.id, 0);
    }
    for (const host of this.sim.nodeList as NodeHost[]) if (!host.up) this.restart(host.id);
  }
}

function checkRate(what: string, rate: number): number {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`${what} rate must be in [0, 1], got ${rate}`);
  return rate;
}
