// A simulated flow worker: runs each task for a seeded virtual duration; a few attempts fail
// (a flaky command) and a few straggle (the case fast abort is for). A crash loses every task
// it runs; on restart it has a new incarnation, so the master knows its tasks are gone.
import { service } from "@skein/core";
import type { WorkerProtocol } from "./protocol.ts";

export interface SimulatedWorkerInit {
  readonly cores: number;
  /** Duration of a normal task, [min, max] virtual ms. */
  readonly durationMs: readonly [number, number];
  /** Chance that an attempt fails (exit code 1). */
  readonly failureRate: number;
  /** Chance that an attempt straggles, and how many times longer it then takes. */
  readonly stragglerRate: number;
  readonly stragglerFactor: number;
}

export const simulatedWorker = (init: SimulatedWorkerInit) =>
  service<WorkerProtocol>((ctx) => {
    const incarnation = Math.floor(ctx.random() * 2 ** 31);
    const aborted = new Set<number>();
    return {
      handlers: {
        hello: () => ({ incarnation, cores: init.cores }),
        async run({ task }) {
          const [low, high] = init.durationMs;
          let durationMs = low + ctx.random() * (high - low);
          if (ctx.random() < init.stragglerRate) durationMs *= init.stragglerFactor;
          const fails = ctx.random() < init.failureRate;
          await ctx.sleep(durationMs);
          if (aborted.delete(task)) return { ok: false, reason: "aborted" };
          return fails ? { ok: false, reason: "exit code 1" } : { ok: true };
        },
        abort({ task }) {
          aborted.add(task);
        },
      },
    };
  });
