/**
 * `@skein/net/wire`: the wire layer alone — frames, msgpack bodies, the authenticated
 * handshake — for protocols that run their own connections over it (flow's master and
 * workers), without loading the node runtime.
 */
export { freshIncarnation, proveKnowledge, verifyProof } from "./auth.ts";
export { pack, packFrame, unpack } from "./codec.ts";
export { encodeFrame, FRAME_HEADER_BYTES, FrameDecoder, FrameError, FrameType } from "./frame.ts";
export { type Admission, Handshake, type HandshakeInit, type HandshakeRole, type HandshakeStep } from "./handshake.ts";
export { createListener, dialSocket, type ListenerComponents, type ListenerInit, peerAddress, type TlsInit } from "./transport.ts";
