import assert from "node:assert/strict";
import { test } from "node:test";
import { pack } from "./codec.ts";
import { decodeRecords, RECORD_BYTES_MAX } from "./recording-file.ts";
import { RecordKind } from "./recording.ts";

function frame(payload: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(payload.length);
  return Buffer.concat([header, payload]);
}
const good = frame(Buffer.from(pack([RecordKind.End])));

test("recording file: a short last record (a kill mid-write) or zeros after the records are a torn tail, not damage", () => {
  const torn = decodeRecords(Buffer.concat([good, good, good.subarray(0, good.length - 1)]));
  assert.equal(torn.entries.length, 2);
  assert.equal(torn.tornBytes, good.length - 1);
  assert.equal(torn.damagedAt, undefined);
  const zeros = decodeRecords(Buffer.concat([good, Buffer.alloc(64)]));
  assert.equal(zeros.entries.length, 1);
  assert.equal(zeros.damagedAt, undefined);
});

test("recording file: a whole record that does not decode, or an impossible length, is damage at its offset", () => {
  const garbage = frame(Buffer.from([0xc1, 0xc1, 0xc1])); // 0xc1 is never used in msgpack
  const damaged = decodeRecords(Buffer.concat([good, garbage, good]));
  assert.equal(damaged.entries.length, 1);
  assert.equal(damaged.damagedAt, good.length);
  const notARecord = decodeRecords(Buffer.concat([good, frame(Buffer.from(pack("text")))]));
  assert.equal(notARecord.damagedAt, good.length);
  const huge = Buffer.alloc(8);
  huge.writeUInt32BE(RECORD_BYTES_MAX + 1);
  huge.fill(0xff, 4);
  assert.equal(decodeRecords(Buffer.concat([good, huge])).damagedAt, good.length);
});
