import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "../command.ts";
import { parseSimOptions } from "./options.ts";

const usage = (argv: string[], message: RegExp) => assert.throws(() => parseSimOptions(argv), (error: Error) => error instanceof UsageError && message.test(error.message));

test("sim options: nemesis flags are checked with or without --nemesis, and alone they are an error (they would do nothing)", () => {
  usage(["s.ts", "--nemesis-loss-max", "2"], /--nemesis-loss-max: '2' must be a rate in \[0, 1\]/);
  usage(["s.ts", "--nemesis-loss-max", "0.5"], /--nemesis-loss-max does nothing without --nemesis/);
  usage(["s.ts", "--nemesis-downtime", "1s..2s"], /--nemesis-downtime does nothing without --nemesis/);
  usage(["s.ts", "--nemesis", "--nemesis-downtime", "5s..1s"], /--nemesis-downtime: the range 5s\.\.1s is empty \(MIN > MAX\)/);
  assert.deepEqual(parseSimOptions(["s.ts", "--nemesis", "crash", "--nemesis-downtime", "1s..2s"]).nemesis, { kinds: ["crash"], downMs: [1000, 2000] });
  assert.equal(parseSimOptions(["s.ts", "--nemesis", "--no-nemesis", "--nemesis-loss-max", "0.1"]).nemesis, undefined);
});

test("sim options: --trace needs a single seed", () => {
  usage(["s.ts", "--seeds", "1..3", "--trace", "t.jsonl"], /--trace writes the trace of one run: give --seed N/);
  assert.equal(parseSimOptions(["s.ts", "--seed", "4", "--trace", "t.jsonl"]).trace, "t.jsonl");
});
