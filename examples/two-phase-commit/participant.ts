// A participant: votes (durably) in phase one, applies the decision in phase two, and after a
// crash, or whenever a decision is slow to come, asks the coordinator about every transaction
// it prepared but has not seen decided.
import { ref, service } from "@skein/core";
import { type CoordinatorProtocol, type Decision, keys, type ParticipantProtocol } from "./protocol.ts";

export interface ParticipantInit {
  readonly coordinator: string;
  /** Probability of voting no (the application refuses). */
  readonly noVoteRate?: number;
  /** How often to ask about transactions in doubt. */
  readonly inquireEveryMs?: number;
  /** Make the yes vote durable before sending it (default true). False is a deliberate bug,
   * which the tests use to show that a fault campaign catches it. */
  readonly syncBeforeVote?: boolean;
}

export const participant = (init: ParticipantInit) =>
  service<ParticipantProtocol>((ctx) => {
    const coordinatorRef = ref<CoordinatorProtocol>(init.coordinator, "coordinator");
    /** Prepared, not yet decided here. */
    const inDoubt = new Set<string>();

    const apply = async (tx: string, decision: Decision) => {
      if (ctx.storage.get(keys.decision(tx)) === undefined) {
        ctx.storage.put(keys.decision(tx), decision);
        await ctx.storage.sync();
      }
      inDoubt.delete(tx);
      return { ok: true as const };
    };

    const inquire = async () => {
      for (const tx of [...inDoubt].sort()) {
        try {
          const { decision } = await ctx.call(coordinatorRef, { type: "status", tx }, { timeoutMs: 300 });
          if (decision !== "pending") await apply(tx, decision);
        } catch {
          return; // coordinator unreachable: try again next round
        }
      }
    };

    return {
      start() {
        for (const key of ctx.storage.keys("prepared/")) {
          const tx = key.slice("prepared/".length);
          if (ctx.storage.get(keys.decision(tx)) === undefined) inDoubt.add(tx);
        }
        ctx.setPeriodic(init.inquireEveryMs ?? 250, inquire);
      },
      // A checkpoint (for replay from the middle of a recorded run) is the set in doubt; restore
      // re-arms the one timer start arms.
      checkpoint: () => ({ inDoubt: [...inDoubt] }),
      restore(state) {
        for (const tx of (state as { inDoubt: string[] }).inDoubt) inDoubt.add(tx);
        ctx.setPeriodic(init.inquireEveryMs ?? 250, inquire);
      },
      handlers: {
        async prepare({ tx }) {
          const decision = ctx.storage.get<Decision>(keys.decision(tx));
          if (decision) return { vote: decision === "commit" ? "yes" : "no" };
          if (ctx.storage.get(keys.prepared(tx))) return { vote: "yes" };
          if (ctx.random() < (init.noVoteRate ?? 0.1)) {
            ctx.storage.put(keys.decision(tx), "abort"); // a no vote is a unilateral abort
            return { vote: "no" };
          }
          ctx.storage.put(keys.prepared(tx), true);
          if (init.syncBeforeVote ?? true) await ctx.storage.sync(); // the promise to commit is durable before the vote leaves
          inDoubt.add(tx);
          return { vote: "yes" };
        },
        commit: ({ tx }) => apply(tx, "commit"),
        abort: ({ tx }) => apply(tx, "abort"),
      },
    };
  });
