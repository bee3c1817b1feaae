// Echo under faults: every reply a client gets is the text it sent; after heal, calls succeed.
import { defineScenario } from "@skein/sim";
import { type EchoClient, echoClient, echoServer } from "./services.ts";

type ClientService = { state: EchoClient };

export default defineScenario({
  name: "echo",
  description: "clients call an echo server; replies must match requests",
  nodes: 3,
  untilMs: 5_000,
  setup(sim, { nodes }) {
    sim.addNode("server", { echo: echoServer });
    const clients: string[] = [];
    for (let i = 1; i < nodes; i++) {
      const id = `client${i}`;
      sim.addNode(id, { client: echoClient({ server: "server", intervalMs: 50 }) });
      clients.push(id);
    }
    return { clients, repliesAtHeal: new Map<string, number>() };
  },
  invariants: {
    repliesMatch(sim, { clients }) {
      for (const id of clients) {
        const client = sim.service<ClientService>(id, "client");
        const bad = client?.state.replies.find((r) => r.sent !== r.got);
        if (bad) return `${id} sent ${bad.sent} but got ${bad.got}`;
      }
    },
  },
  liveness: {
    withinMs: 2_000,
    conditions: {
      everyClientGetsReplies: (sim, { clients }) =>
        clients.every((id) => (sim.service<ClientService>(id, "client")?.state.replies.length ?? 0) >= 5),
    },
  },
});
