import assert from "node:assert/strict";
import { test } from "node:test";
import { passwordProof, proofIsValid } from "./auth.ts";
import { encodeFrame, FrameDecoder, FrameError, frameBytesMax, helloFrameBytesMax } from "./frames.ts";
import { sandboxPathProblem } from "./sandbox-paths.ts";

test("frames: split anywhere, frames come back whole and in order", () => {
  const bytes = Buffer.concat([encodeFrame({ type: "a", n: 1 }, Buffer.from("xyz")), encodeFrame({ type: "b" })]);
  const decoder = new FrameDecoder();
  const frames = [...bytes].flatMap((byte) => decoder.push(Buffer.from([byte])));
  assert.deepEqual(frames.map((f) => [f.header.type, f.payload.toString()]), [["a", "xyz"], ["b", ""]]);
});

test("frames: an oversized or malformed frame is refused, not buffered", () => {
  const huge = Buffer.alloc(8);
  huge.writeUInt32BE(frameBytesMax + 1, 0);
  assert.throws(() => new FrameDecoder().push(huge), FrameError);
  const unauthenticated = new FrameDecoder(helloFrameBytesMax);
  assert.throws(() => unauthenticated.push(encodeFrame({ type: "hello", padding: "x".repeat(helloFrameBytesMax) })), /limit 16384/);
  const bad = Buffer.alloc(12);
  bad.writeUInt32BE(8, 0);
  bad.writeUInt32BE(4, 4);
  bad.write("nope", 8);
  assert.throws(() => new FrameDecoder().push(bad), /not JSON/);
});

test("auth: the proof depends on password and nonce; a wrong one is refused", () => {
  const proof = passwordProof("secret", "n1");
  assert.ok(proofIsValid("secret", "n1", proof));
  assert.ok(!proofIsValid("secret", "n2", proof));
  assert.ok(!proofIsValid("secret", "n1", passwordProof("guess", "n1")));
  assert.ok(!proofIsValid("secret", "n1", undefined));
  assert.ok(proofIsValid(undefined, "n1", undefined));
});

test("sandbox paths: absolute paths and '..' are refused", () => {
  assert.equal(sandboxPathProblem("out/a.txt"), undefined);
  assert.equal(sandboxPathProblem("/etc/passwd"), "an absolute path");
  assert.equal(sandboxPathProblem("a/../../x"), "a '..' segment");
  assert.equal(sandboxPathProblem("..b/ok"), undefined);
});
