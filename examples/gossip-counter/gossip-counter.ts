// A grow-only counter kept by gossip. Each node counts its own increments (durably), and every
// `gossipEveryMs` pushes its whole view to one random peer, which keeps the maximum of each
// entry. Views converge once the network heals: a periodic-timer protocol in a dozen lines.
import { ref, service } from "@skein/core";

export type GossipProtocol = {
  gossip: { request: { view: Record<string, number> }; reply: void };
};

export interface GossipCounterInit {
  readonly peers: readonly string[];
  readonly gossipEveryMs?: number;
  readonly incrementEveryMs?: number;
  /** This node stops counting after this many increments (so views can converge). */
  readonly incrementsMax?: number;
}

export interface GossipCounterService {
  /** This node's view: node id → that node's count. */
  readonly view: Map<string, number>;
  total(): number;
}

export const gossipCounter = (init: GossipCounterInit) =>
  service<GossipProtocol>((ctx) => {
    const view = new Map<string, number>();
    const peers = init.peers.filter((id) => id !== ctx.node).map((id) => ref<GossipProtocol>(id, "counter"));
    const merge = (incoming: Record<string, number>) => {
      for (const id of Object.keys(incoming).sort()) {
        const count = incoming[id]!;
        if (Number.isSafeInteger(count) && count > (view.get(id) ?? 0)) view.set(id, count);
      }
    };
    const increment = async () => {
      const mine = ctx.storage.get<number>("count") ?? 0;
      if (mine >= (init.incrementsMax ?? 20)) return;
      ctx.storage.put("count", mine + 1);
      await ctx.storage.sync();
      view.set(ctx.node, Math.max(view.get(ctx.node) ?? 0, mine + 1));
    };
    const gossip = () => {
      if (peers.length === 0) return;
      const peer = peers[Math.floor(ctx.random() * peers.length)]!;
      ctx.send(peer, { type: "gossip", view: Object.fromEntries([...view].sort(([a], [b]) => (a < b ? -1 : 1))) });
    };
    const counter: GossipCounterService = { view, total: () => [...view.values()].reduce((a, b) => a + b, 0) };
    const arm = () => {
      ctx.setPeriodic(init.incrementEveryMs ?? 100, increment, { jitterMs: 10 });
      ctx.setPeriodic(init.gossipEveryMs ?? 50, gossip, { jitterMs: 10 });
    };
    return {
      ...counter,
      start() {
        view.set(ctx.node, ctx.storage.get<number>("count") ?? 0);
        arm();
      },
      // For replay from a checkpoint: the view, and the two timers re-armed in the same order.
      checkpoint: () => ({ view: [...view] }),
      restore(state) {
        for (const [id, count] of (state as { view: Array<[string, number]> }).view) view.set(id, count);
        arm();
      },
      handlers: {
        gossip: ({ view: incoming }) => merge(incoming),
      },
    };
  });
