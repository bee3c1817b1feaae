// Echo under faults: every reply a client gets is the text it sent; after heal, calls succeed.
import { defineScenario, type Simulation } from "@skein/sim";
import { type EchoClient, echoClient, echoServer } from "./services.ts";

const clientIds = (sim: Simulation) => sim.nodeList.map((n) => n.id).filter((id) => id.startsWith("client"));
const clientState = (sim: Simulation, id: string) => sim.service<{ state: EchoClient }>(id, "client")?.state;

export default defineScenario({
  name: "echo",
  description: "clients call an echo server; replies must match requests",
  nodes: 3,
  untilMs: 5_000,
  cluster({ nodes }) {
    const cluster: Record<string, Record<string, ReturnType<typeof echoClient>>> = { server: { echo: echoServer } };
    for (let i = 1; i < nodes; i++) cluster[`client${i}`] = { client: echoClient({ server: "server", intervalMs: 50 }) };
    return cluster;
  },
  invariants: {
    repliesMatch(sim) {
      for (const id of clientIds(sim)) {
        const bad = clientState(sim, id)?.replies.find((r) => r.sent !== r.got);
        if (bad) return `${id} sent ${bad.sent} but got ${bad.got}`;
      }
    },
  },
  liveness: {
    withinMs: 2_000,
    conditions: {
      everyClientGetsReplies: (sim) => clientIds(sim).every((id) => (clientState(sim, id)?.replies.length ?? 0) >= 5),
    },
  },
});
