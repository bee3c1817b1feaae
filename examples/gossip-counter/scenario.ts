// Gossip counter under partitions, loss and crashes. Invariant: no node believes another has
// counted more than it ever durably did. Liveness: after heal, every view equals the true counts.
import { type ClusterSpec, defineScenario, type Simulation } from "@skein/sim";
import { type GossipCounterService, gossipCounter } from "./gossip-counter.ts";

const ids = (sim: Simulation) => sim.nodeList.map((n) => n.id);
const counterOf = (sim: Simulation, id: string) => sim.service<GossipCounterService>(id, "counter");

export default defineScenario({
  name: "gossip-counter",
  description: "a gossiped grow-only counter converges after heal",
  nodes: 5,
  untilMs: 10_000,
  cluster({ nodes }) {
    const peers = Array.from({ length: nodes }, (_, i) => `n${i + 1}`);
    const cluster: ClusterSpec = {};
    for (const id of peers) cluster[id] = { counter: gossipCounter({ peers, incrementsMax: 30 }) };
    return cluster;
  },
  invariants: {
    noInventedCounts(sim) {
      for (const id of ids(sim)) {
        for (const [owner, count] of counterOf(sim, id)?.view ?? []) {
          const truth = sim.storageOf(owner).peek<number>("count") ?? 0;
          if (count > truth) return `${id} believes ${owner} counted ${count}, but it counted ${truth}`;
        }
      }
    },
  },
  liveness: {
    withinMs: 10_000,
    conditions: {
      converged(sim) {
        const truth = new Map(ids(sim).map((id) => [id, sim.storageOf(id).peek<number>("count") ?? 0]));
        return ids(sim).every((id) => {
          const view = counterOf(sim, id)?.view;
          return view !== undefined && [...truth].every(([owner, count]) => (view.get(owner) ?? 0) === count);
        });
      },
    },
  },
});
