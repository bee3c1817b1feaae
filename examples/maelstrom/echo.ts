// The Maelstrom echo workload (Gossip Glomers challenge 1) as a Skein service:
//   skein maelstrom examples/maelstrom/echo.ts
// The reply's type defaults to "echo_ok"; `in_reply_to` is filled in by the adapter.
import { service } from "@skein/core";
import type { MaelstromService } from "@skein/net";

type EchoProtocol = { echo: { request: { echo: unknown }; reply: { echo: unknown } } };

const echo: MaelstromService = () => service<EchoProtocol>(() => ({ handlers: { echo: ({ echo }) => ({ echo }) } }));
export default echo;
