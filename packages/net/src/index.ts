/**
 * @skein/net — the TCP runtime: the same services that run in the simulator, as real nodes
 * talking length-prefixed msgpack frames over TCP (optionally TLS), with a version handshake,
 * HMAC authentication with a cluster secret, links with timeouts, backoff and bounded queues,
 * durable storage on disk, and a recorder for deterministic replay.
 *
 * ```ts
 * import { NetNode } from "@skein/net";
 * const server = new NetNode({ id: "server", secret: "s3cret" });
 * server.addService("echo", echoServer);
 * const address = await server.start();           // 127.0.0.1, port chosen by the OS
 * const client = new NetNode({ id: "client", secret: "s3cret", peers: { server: address } });
 * client.addService("client", echoClient({ server: "server" }));
 * await client.start();
 * ```
 */
export { CLUSTER_SECRET_ENV, proveKnowledge, verifyProof } from "./auth.ts";
export type { CheckpointerComponents, CheckpointerInit } from "./checkpointer.ts";
export { CHECKPOINT_BYTES_MAX_DEFAULT, CHECKPOINT_EVERY_MS_DEFAULT, CHECKPOINT_RETRY_MS, Checkpointer, captureCheckpoint } from "./checkpointer.ts";
export { decodeEnvelope, encodeEnvelopeFrame, pack, unpack } from "./codec.ts";
export type { Frame } from "./frame.ts";
export { encodeFrame, FRAME_HEADER_BYTES, FrameDecoder, FrameError, FrameType } from "./frame.ts";
export { FileStorage, STORAGE_COMPACT_BYTES_MIN, STORAGE_RECORD_BYTES_MAX } from "./file-storage.ts";
export * from "./limits.ts";
export type { PeerAddress } from "./link.ts";
export type { NetInit, NetLogLine, NetStats } from "./net-node.ts";
export { NetNode } from "./net-node.ts";
export { realClock } from "./real-clock.ts";
export { realEnvironment } from "./real-environment.ts";
export type { Recorder, RecordSink } from "./recorder.ts";
export { RecordedStorage, TurnRecorder } from "./recorder.ts";
export type { CheckpointRecord, EnvelopeRecord, RecordEntry, RecordingMeta, StorageSnapshot } from "./recording.ts";
export { envelopeFromRecord, envelopeToRecord, RECORDING_FORMAT_VERSION, RecordKind } from "./recording.ts";
export type { RecordedIncarnation, Recording } from "./recording-file.ts";
export { decodeRecords, RECORD_BUFFER_BYTES_MAX, RECORD_BYTES_MAX, RecordingFileWriter, readRecording, RecordingError, writeRecordingMeta } from "./recording-file.ts";
export type { LaunchInit, LaunchNode } from "./launcher.ts";
export { freePorts, launchLocal, RESTARTS_MAX_DEFAULT, STOP_GRACE_MS } from "./launcher.ts";
export type { NodeProcessInit } from "./node-process.ts";
export type { TlsInit } from "./transport.ts";
export { formatLogLine, runNodeProcess } from "./node-process.ts";
export type { MaelstromInit, MaelstromService } from "./maelstrom.ts";
export { MAELSTROM_ERROR_CODES, MAELSTROM_LINE_CHARS_MAX, MaelstromNode, maelstromError } from "./maelstrom.ts";
