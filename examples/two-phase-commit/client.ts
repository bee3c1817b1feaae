// Begins a transaction every `intervalMs` and remembers each outcome.
import { ref, service } from "@skein/core";
import type { CoordinatorProtocol, Decision } from "./protocol.ts";

export interface ClientInit {
  readonly coordinator: string;
  readonly intervalMs?: number;
  /** Stop after this many transactions. */
  readonly transactionsMax?: number;
}

export interface ClientState {
  begun: number;
  outcomes: Map<string, Decision | "failed">;
}

export const client = (init: ClientInit) =>
  service<{}>((ctx) => {
    const state: ClientState = { begun: 0, outcomes: new Map() };
    const coordinatorRef = ref<CoordinatorProtocol>(init.coordinator, "coordinator");
    const next = async () => {
      if (state.begun >= (init.transactionsMax ?? Number.POSITIVE_INFINITY)) return;
      const tx = `${ctx.node}-${ctx.storage.length}`;
      ctx.storage.append(tx); // transaction ids stay unique across client restarts
      await ctx.storage.sync();
      state.begun++;
      try {
        const { decision } = await ctx.call(coordinatorRef, { type: "begin", tx }, { timeoutMs: 2_000 });
        state.outcomes.set(tx, decision);
      } catch {
        state.outcomes.set(tx, "failed");
      }
    };
    return {
      state,
      handlers: {},
      start() {
        ctx.setPeriodic(init.intervalMs ?? 200, next);
      },
      checkpoint: () => ({ begun: state.begun, outcomes: [...state.outcomes] }),
      restore(saved) {
        const { begun, outcomes } = saved as { begun: number; outcomes: Array<[string, Decision | "failed"]> };
        state.begun = begun;
        for (const [tx, outcome] of outcomes) state.outcomes.set(tx, outcome);
        ctx.setPeriodic(init.intervalMs ?? 200, next);
      },
    };
  });
