// Two-phase commit under faults. Invariants (checked from outside, on what each node has
// stored): atomicity — no transaction is committed by one party and aborted by another; and
// validity — a commit implies every participant voted yes. Liveness after heal: nothing stays
// in doubt and the client's transactions are decided.
import type { MemoryStorage } from "@skein/core";
import { type ClusterSpec, defineScenario, type Simulation } from "@skein/sim";
import { type ClientState, client } from "./client.ts";
import { coordinator } from "./coordinator.ts";
import { type ParticipantInit, participant } from "./participant.ts";
import type { Decision } from "./protocol.ts";

const participantsOf = (sim: Simulation) => sim.nodeList.map((n) => n.id).filter((id) => id.startsWith("p"));

/** Decisions on every node's storage, by transaction; recomputed at most once per event. */
let cache: { sim: Simulation; events: number; decisions: Map<string, Map<string, Decision>> } | undefined;
function decisionsByTx(sim: Simulation): Map<string, Map<string, Decision>> {
  if (cache?.sim === sim && cache.events === sim.stats.events) return cache.decisions;
  const out = new Map<string, Map<string, Decision>>();
  for (const id of ["coordinator", ...participantsOf(sim)]) {
    const storage: MemoryStorage = sim.storageOf(id);
    for (const key of storage.keys("decision/")) {
      const tx = key.slice("decision/".length);
      if (!out.has(tx)) out.set(tx, new Map());
      out.get(tx)!.set(id, storage.peek<Decision>(key)!);
    }
  }
  cache = { sim, events: sim.stats.events, decisions: out };
  return out;
}

/** The coordinator, `nodes - 1` participants p1.. and a client. */
export function twoPhaseCommitCluster(nodes: number, participantInit: Partial<ParticipantInit> = {}): ClusterSpec {
  const participants = Array.from({ length: Math.max(1, nodes - 1) }, (_, i) => `p${i + 1}`);
  const cluster: ClusterSpec = {
    coordinator: { coordinator: coordinator({ participants }) },
    client: { client: client({ coordinator: "coordinator", intervalMs: 150 }) },
  };
  for (const id of participants) cluster[id] = { participant: participant({ coordinator: "coordinator", ...participantInit }) };
  return cluster;
}

export default defineScenario({
  name: "two-phase-commit",
  description: "a coordinator and N participants commit transactions atomically despite crashes",
  nodes: 4,
  untilMs: 20_000,
  invariantIntervalMs: 100,
  cluster({ nodes }) {
    return twoPhaseCommitCluster(nodes);
  },
  nemesis: { meanIntervalMs: 600 },
  invariants: {
    atomicity(sim) {
      for (const [tx, byNode] of decisionsByTx(sim)) {
        if (new Set(byNode.values()).size > 1) return `transaction ${tx} decided differently: ${JSON.stringify(Object.fromEntries(byNode))}`;
      }
    },
    validity(sim) {
      for (const [tx, byNode] of decisionsByTx(sim)) {
        if (![...byNode.values()].includes("commit")) continue;
        const unprepared = participantsOf(sim).filter((id) => sim.storageOf(id).peek(`prepared/${tx}`) === undefined);
        if (unprepared.length > 0) return `transaction ${tx} committed though ${unprepared.join(", ")} never voted yes`;
      }
    },
  },
  liveness: {
    withinMs: 10_000,
    conditions: {
      nothingInDoubt(sim) {
        const decided = decisionsByTx(sim);
        for (const id of participantsOf(sim)) {
          for (const key of sim.storageOf(id).keys("prepared/")) {
            if (!decided.get(key.slice("prepared/".length))?.has(id)) return false;
          }
        }
        return true;
      },
      clientTransactionsDecided(sim) {
        const state = sim.service<{ state: ClientState }>("client", "client")?.state;
        const coordinatorStorage = sim.storageOf("coordinator");
        if (!state) return false;
        for (const [tx, outcome] of state.outcomes) {
          if (outcome === "failed" && coordinatorStorage.peek(`decision/${tx}`) === undefined) {
            // a failed begin may leave no trace only if no participant prepared it
            if (participantsOf(sim).some((id) => sim.storageOf(id).peek(`prepared/${tx}`) !== undefined)) return false;
          }
        }
        return true;
      },
      committedSomething: (sim) => [...decisionsByTx(sim).values()].some((m) => m.get("coordinator") === "commit"),
    },
  },
});
