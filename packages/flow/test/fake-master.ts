// A master of a test's own on 127.0.0.1, for tests of the worker side: it runs the real
// handshake (frames.ts), then lets the test say what the master sends and watch what it gets.
import { createServer, type Socket } from "node:net";
import { encodeFrame, FlowWire, type Frame, masterNodeId } from "../src/workers/frames.ts";

/** Sends a frame to the worker; a `bye` ends the connection after it. */
export type SendFrame = (header: { type: string; [key: string]: unknown }, payload?: Buffer) => void;

export interface FakeMasterInit {
  readonly password?: string;
  /** The Welcome's body (default: none, so the worker takes its defaults). */
  readonly welcome?: Record<string, unknown>;
  /** Once a worker is welcomed. */
  readonly opened?: (send: SendFrame, socket: Socket) => void;
  /** When the handshake fails: reset the connection (RST) instead of closing it. */
  readonly resetOnRefusal?: boolean;
  /** Every frame the worker sends after the handshake. */
  readonly frame?: (frame: Frame, send: SendFrame, socket: Socket) => void;
}

export async function fakeMaster(init: FakeMasterInit): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createServer((socket) => {
    const send: SendFrame = (header, payload) => (header.type === "bye" ? socket.end(encodeFrame(header, payload)) : socket.write(encodeFrame(header, payload)));
    const wire = new FlowWire(
      socket,
      { role: "acceptor", self: masterNodeId, password: init.password, admit: () => ({ welcome: init.welcome ?? {} }) },
      { opened: () => init.opened?.(send, socket), frame: (frame) => init.frame?.(frame, send, socket), refused: () => (init.resetOnRefusal ? socket.resetAndDestroy() : socket.end()) },
    );
    socket.on("data", (chunk: Buffer) => {
      try {
        wire.push(chunk);
      } catch {
        socket.destroy();
      }
    });
    socket.on("error", () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return { port: (server.address() as { port: number }).port, close };
}
