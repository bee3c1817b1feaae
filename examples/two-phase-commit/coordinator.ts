// The coordinator, as on the whiteboard: prepare everywhere in parallel, decide, make the
// decision durable, then tell everyone. Presumed abort: a transaction with no durable decision
// that is not in progress is aborted — and that abort is made durable before anyone hears it.
import { ref, service } from "@skein/core";
import { type CoordinatorProtocol, type Decision, keys, type ParticipantProtocol } from "./protocol.ts";

export interface CoordinatorInit {
  readonly participants: readonly string[];
  /** How long to wait for each vote or acknowledgement. */
  readonly callTimeoutMs?: number;
}

export const coordinator = (init: CoordinatorInit) =>
  service<CoordinatorProtocol>((ctx) => {
    const participants = init.participants.map((id) => ref<ParticipantProtocol>(id, "participant"));
    const timeoutMs = init.callTimeoutMs ?? 300;
    /** Durable decisions only: a decision joins this map once synced. */
    const decided = new Map<string, Decision>();
    const inProgress = new Map<string, Promise<Decision>>();

    const decide = async (tx: string, decision: Decision): Promise<Decision> => {
      ctx.storage.put(keys.decision(tx), decision);
      await ctx.storage.sync(); // the decision is durable before anyone hears it
      decided.set(tx, decision);
      return decision;
    };

    const run = async (tx: string): Promise<Decision> => {
      const votes = await ctx.all(participants.map((p) => ctx.call(p, { type: "prepare", tx }, { timeoutMs })));
      const decision = await decide(tx, votes.every((v) => v.ok && v.value.vote === "yes") ? "commit" : "abort");
      ctx.log.info("decided", { tx, decision });
      // Best effort: participants in doubt also ask `status` until they learn the outcome.
      await ctx.all(participants.map((p) => ctx.call(p, { type: decision, tx }, { timeoutMs })));
      return decision;
    };

    return {
      start() {
        for (const key of ctx.storage.keys("decision/")) decided.set(key.slice("decision/".length), ctx.storage.get<Decision>(key)!);
      },
      // Checkpoints are taken only when no handler runs, so nothing is in progress then.
      checkpoint() {
        if (inProgress.size > 0) throw new Error(`${inProgress.size} transactions in progress`);
        return { decided: [...decided] };
      },
      restore(state) {
        for (const [tx, decision] of (state as { decided: Array<[string, Decision]> }).decided) decided.set(tx, decision);
      },
      handlers: {
        async begin({ tx }) {
          const known = decided.get(tx);
          if (known) return { decision: known };
          let running = inProgress.get(tx);
          if (!running) {
            running = run(tx).finally(() => inProgress.delete(tx));
            inProgress.set(tx, running);
          }
          return { decision: await running };
        },
        async status({ tx }) {
          const known = decided.get(tx);
          if (known) return { decision: known };
          if (inProgress.has(tx)) return { decision: "pending" };
          const decision = ctx.storage.get<Decision>(keys.decision(tx));
          if (decision) return { decision }; // written but its sync has not finished
          return { decision: await decide(tx, "abort") };
        },
      },
    };
  });
