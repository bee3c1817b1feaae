import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeFrame as encodeWireFrame, FrameType, pack } from "@skein/net/wire";
import { encodeFrame, FlowWire, type FlowWireInit, type Frame, FrameError, flowWireVersion, frameBytesMax, goodbyeFrame, goodbyeReason, goodbyeReasonCharsMax, helloFrameBytesMax, masterNodeId } from "./frames.ts";
import { sandboxPathProblem } from "./sandbox-paths.ts";

interface Side {
  readonly wire: FlowWire;
  /** Bytes this side wrote, not yet delivered to the other. */
  readonly outbox: Buffer[];
  readonly frames: Frame[];
  readonly events: string[];
}

/** A master and a worker wired back to back in memory; `deliver` moves bytes until both are quiet. */
function pair(master: Partial<FlowWireInit>, worker: Partial<FlowWireInit>, split = false) {
  const side = (init: FlowWireInit): Side => {
    const outbox: Buffer[] = [];
    const frames: Frame[] = [];
    const events: string[] = [];
    const wire = new FlowWire(
      { write: (frame: Buffer) => outbox.push(frame) },
      init,
      {
        opened: (welcome) => events.push(`opened ${JSON.stringify(welcome)}`),
        refused: (reason, byPeer) => events.push(`${byPeer ? "refused by peer" : "refusing"}: ${reason}`),
        frame: (frame) => frames.push(frame),
      },
    );
    return { wire, outbox, frames, events };
  };
  const m = side({ role: "acceptor", self: masterNodeId, password: undefined, ...master });
  const w = side({ role: "connector", self: "host:1", password: undefined, info: { cores: 3 }, ...worker });
  const deliver = () => {
    for (let moved = true; moved; ) {
      moved = false;
      for (const [from, to] of [
        [m, w],
        [w, m],
      ] as const) {
        for (const bytes of from.outbox.splice(0)) {
          moved = true;
          if (split) for (const byte of bytes) to.wire.push(Buffer.from([byte]));
          else to.wire.push(bytes);
        }
      }
    }
  };
  return { m, w, deliver };
}

test("frames: with one password both sides open, the master sees the worker's info, and frames split anywhere come back whole", () => {
  const { m, w, deliver } = pair({ password: "secret", admit: (h) => ({ welcome: { pipelineCores: Number(h.peerInfo.cores) * 8 } }) }, { password: "secret" }, true);
  deliver();
  assert.deepEqual(m.events, ['opened {"pipelineCores":24}']);
  assert.deepEqual(w.events, ['opened {"pipelineCores":24}']);
  assert.equal(m.wire.handshake.peer, "host:1");
  m.outbox.push(encodeFrame({ type: "file", hash: "h" }, Buffer.from("xyz")), encodeFrame({ type: "bye" }));
  w.outbox.push(encodeFrame({ type: "result", task: 1 }));
  deliver();
  assert.deepEqual(w.frames.map((f) => [f.header.type, f.payload.toString()]), [["file", "xyz"], ["bye", ""]]);
  assert.deepEqual(m.frames.map((f) => f.header), [{ type: "result", task: 1 }]);
});

test("frames: a worker refuses a master that does not prove its password, before any task; so does a master a worker without it", () => {
  const impostor = pair({ password: "guess" }, { password: "secret" });
  impostor.deliver();
  assert.deepEqual(impostor.w.events, ["refusing: master failed authentication (wrong password?)"]);
  assert.deepEqual(impostor.m.events, ["refused by peer: master failed authentication (wrong password?)"]);
  // a password on one side only fails too, whichever side has it
  for (const [master, worker] of [
    ["secret", undefined],
    [undefined, "secret"],
  ]) {
    const { m, w, deliver } = pair({ password: master }, { password: worker });
    deliver();
    assert.ok(!m.wire.isOpen && !w.wire.isOpen);
    assert.match(w.events.join(), /refusing: master failed authentication/);
  }
});

test("frames: a master that skips the handshake cannot hand a worker a task", () => {
  const { w } = pair({}, {});
  assert.throws(() => w.wire.push(encodeFrame({ type: "task", task: 1, command: "touch pwned" })), /unexpected frame type 7 during the handshake/);
  assert.deepEqual(w.frames, []);
  const welcomeFirst = pair({}, {});
  assert.throws(() => welcomeFirst.w.wire.push(encodeWireFrame(FrameType.Welcome, pack({}))), /unexpected frame type 3 during the handshake/);
});

test("frames: before the peer proves the password a frame over 16 KiB is refused unread; after it, up to 8 MiB", () => {
  const { m, w, deliver } = pair({}, {});
  const bigHello = encodeWireFrame(FrameType.Hello, pack({ magic: "skein-flow", version: flowWireVersion, node: "x", target: masterNodeId, nonce: new Uint8Array(16), incarnation: new Uint8Array(8), info: { padding: "x".repeat(helloFrameBytesMax) } }));
  assert.throws(() => pair({}, {}).m.wire.push(bigHello.subarray(0, 8)), /exceeds the limit of 16384/);
  deliver();
  const large = encodeFrame({ type: "file" }, Buffer.alloc(frameBytesMax - 100));
  w.wire.push(large);
  assert.equal(w.frames[0]?.payload.length, frameBytesMax - 100);
  const huge = Buffer.alloc(8);
  huge.writeUInt32BE(frameBytesMax + 1, 0);
  assert.throws(() => m.wire.push(huge), FrameError);
});

test("frames: a peer of another protocol, version or body shape is refused by name", () => {
  const node = encodeWireFrame(FrameType.Hello, pack({ magic: "skein", version: 2, node: "n1", target: "master", nonce: new Uint8Array(16), incarnation: new Uint8Array(8) }));
  assert.throws(() => pair({}, {}).m.wire.push(node), /the peer speaks skein, not skein-flow/);
  // older peers (a version 3 worker would take an interrupted master's goodbye for the end of
  // the workflow; version 2 could not hear that a worker dropped an input a task changed; a
  // version 4 worker never announces its cache, and a version 4 master would take the
  // announcement for a protocol error) and a newer one alike
  assert.equal(flowWireVersion, 5);
  for (const version of [1, 2, 3, 4, flowWireVersion + 1]) {
    const other = encodeWireFrame(FrameType.Hello, pack({ magic: "skein-flow", version, node: "n1", target: "master", nonce: new Uint8Array(16), incarnation: new Uint8Array(8) }));
    assert.throws(() => pair({}, {}).m.wire.push(other), new RegExp(`wire version ${version} is not ours \\(${flowWireVersion}\\)`));
  }
  const { m, deliver } = pair({}, {});
  deliver();
  assert.throws(() => m.wire.push(encodeWireFrame(FrameType.Data, pack({ type: "result" }))), /\[header\] or \[header, payload\]/);
  assert.throws(() => m.wire.push(encodeWireFrame(FrameType.Data, pack([{ kind: "result" }]))), /header has no type/);
  assert.throws(() => m.wire.push(encodeWireFrame(FrameType.Data, pack([{ type: "result" }, "text"]))), /payload is not bytes/);
});

test("sandbox paths: absolute paths and '..' are refused", () => {
  assert.equal(sandboxPathProblem("out/a.txt"), undefined);
  assert.equal(sandboxPathProblem("/etc/passwd"), "an absolute path");
  assert.equal(sandboxPathProblem("a/../../x"), "a '..' segment");
  assert.equal(sandboxPathProblem("..b/ok"), undefined);
});

test("frames: the master's goodbye names why the run stopped, else why it failed, as one line of at most 500 characters; a plain one when it succeeded", () => {
  const body = (frame: Buffer) => {
    const { w, deliver } = pair({}, {});
    deliver();
    w.wire.push(frame);
    return w.frames[0]!.header;
  };
  assert.deepEqual(body(goodbyeFrame({})), { type: "bye" });
  assert.deepEqual(body(goodbyeFrame(undefined)), { type: "bye" });
  assert.deepEqual(body(goodbyeFrame({ failed: "rule 'x' (w.mf:1:1) failed: exit code 1" })), { type: "bye", failed: "rule 'x' (w.mf:1:1) failed: exit code 1" });
  // a stopped run keeps its log for a resume: the worker must hear `stopped`, which it acts on
  assert.deepEqual(body(goodbyeFrame({ stopped: "interrupted by SIGINT", failed: "rule 'x' failed" })), { type: "bye", stopped: "interrupted by SIGINT" });
  const long = body(goodbyeFrame({ failed: `rule 'x'\nfailed:\t${"y".repeat(goodbyeReasonCharsMax * 4)}` })).failed as string;
  assert.equal(long.length, goodbyeReasonCharsMax);
  assert.ok(long.startsWith("rule 'x' failed: yyy") && long.endsWith("…"), long.slice(0, 30));
  // the worker bounds what it repeats, whatever a master sends
  assert.equal(goodbyeReason(`a\u001b[2J${"z".repeat(10_000)}`)!.length, goodbyeReasonCharsMax);
  assert.equal(goodbyeReason(42), undefined);
});
