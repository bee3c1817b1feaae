// The Maelstrom broadcast workload (Gossip Glomers challenge 3) as a Skein service:
//   skein maelstrom examples/maelstrom/broadcast.ts
// A new value is gossiped at once to every neighbour (fire-and-forget); a periodic
// anti-entropy round sends the whole set to one random neighbour, so values lost to a
// partition or a dropped message still spread once the network heals.
import { type Context, ref, service } from "@skein/core";
import type { MaelstromService } from "@skein/net";

type BroadcastProtocol = {
  broadcast: { request: { message: number }; reply: { type: "broadcast_ok" } };
  read: { request: object; reply: { type: "read_ok"; messages: number[] } };
  topology: { request: { topology: Record<string, string[]> }; reply: { type: "topology_ok" } };
  gossip: { request: { messages: number[] }; reply: void };
};

/** How often a node sends its whole set to one random neighbour. */
const ANTI_ENTROPY_INTERVAL_MS = 250;

const broadcast: MaelstromService = ({ nodeId, nodeIds }) =>
  service<BroadcastProtocol>((ctx: Context) => {
    const seen = new Set<number>();
    let neighbours = nodeIds.filter((id) => id !== nodeId);
    const gossip = (to: readonly string[], messages: number[]) => {
      for (const node of to) ctx.send(ref<BroadcastProtocol>(node, "main"), { type: "gossip", messages });
    };
    return {
      start() {
        ctx.setPeriodic(ANTI_ENTROPY_INTERVAL_MS, () => {
          if (neighbours.length === 0 || seen.size === 0) return;
          gossip([neighbours[Math.floor(ctx.random() * neighbours.length)]!], [...seen]);
        });
      },
      handlers: {
        broadcast({ message }) {
          if (!seen.has(message)) {
            seen.add(message);
            gossip(neighbours, [message]);
          }
          return { type: "broadcast_ok" };
        },
        read: () => ({ type: "read_ok", messages: [...seen].sort((a, b) => a - b) }),
        topology({ topology }) {
          neighbours = topology[nodeId] ?? neighbours;
          return { type: "topology_ok" };
        },
        gossip({ messages }) {
          const fresh = messages.filter((m) => !seen.has(m));
          for (const m of fresh) seen.add(m);
          if (fresh.length) gossip(neighbours, fresh);
        },
      },
    };
  });
export default broadcast;
