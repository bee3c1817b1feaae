// The smallest service pair: a server that echoes, and a client that calls it periodically and
// remembers what came back. Runs unchanged in the simulator and over TCP.
import { ref, service } from "@skein/core";

export type EchoProtocol = {
  echo: { request: { text: string }; reply: { text: string } };
};

export const echoServer = service<EchoProtocol>(() => ({
  handlers: {
    echo: ({ text }) => ({ text }),
  },
}));

export interface EchoClientInit {
  /** Node of the echo server. */
  readonly server: string;
  readonly intervalMs?: number;
  /** Stop after this many requests (default unbounded). */
  readonly requestsMax?: number;
}

/** The client's observable state, read by the scenario's checkers. */
export interface EchoClient {
  sent: number;
  replies: Array<{ sent: string; got: string }>;
  failures: number;
}

export const echoClient = (init: EchoClientInit) =>
  service<{}>((ctx) => {
    const state: EchoClient = { sent: 0, replies: [], failures: 0 };
    const server = ref<EchoProtocol>(init.server, "echo");
    const tick = async () => {
      if (init.requestsMax !== undefined && state.sent >= init.requestsMax) return;
      const text = `${ctx.node}-${state.sent++}`;
      try {
        const reply = await ctx.call(server, { type: "echo", text }, { timeoutMs: 200 });
        state.replies.push({ sent: text, got: reply.text });
        if (state.replies.length % 10 === 0) ctx.log.info("replies", { count: state.replies.length });
      } catch (error) {
        state.failures++;
        ctx.log.debug("echo failed", { error: String(error) });
      }
    };
    return {
      handlers: {},
      state,
      start() {
        ctx.setPeriodic(init.intervalMs ?? 100, tick);
      },
    };
  });
