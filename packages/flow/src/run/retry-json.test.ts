// A `retrying` event says, as a number, how long until the rule is ready again.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-flow-retry-json-");

test("--json: a retrying event carries retryInMs, the delay its reason says in words", async () => {
  const root = workspace({ "w.mf": "a:\n\ttest -e tried && touch a || { touch tried; exit 1; }\n" });
  const run = await runIn(root, { json: true, retryCount: 1, retryDelayMs: 50 });
  assert.equal(run.code, 0, run.err);
  const retrying = run.out.trim().split("\n").map((line) => JSON.parse(line)).filter((event) => event.state === "retrying");
  assert.equal(retrying.length, 1, run.out);
  assert.equal(typeof retrying[0].retryInMs, "number");
  assert.match(retrying[0].reason, new RegExp(`^exit code 1; retry in ${retrying[0].retryInMs} ms$`));
});
