// Under the shared job budget, a nested run's task waiting for a token is queued, not started:
// --json says `started` only once it has one, and a run stopped meanwhile counts it `not started`.
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { waitFor } from "@skein/testkit";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-flow-nested-queued-");

test("nested queued: under -j 2 with x and the MAKEFLOW rule holding both tokens, the nested rule left without one is not `started`, and a stop counts it not started", { timeout: 60_000 }, async () => {
  const root = workspace({
    "w.mf": "x:\n\ttouch running-x; sleep 30\nout: sub.mf\n\tMAKEFLOW sub.mf\n",
    "sub.mf": "a:\n\ttouch running-a; sleep 30\nb:\n\ttouch running-b; sleep 30\nout: a b\n\ttouch out\n",
  });
  const running = runIn(root, { jobs: 2, json: true });
  const started = () => readdirSync(root).filter((name) => name.startsWith("running-"));
  await waitFor(realClock(), () => started().length === 2 && existsSync(join(root, "sub.mf.skeinlog")), 20_000, "x and one nested rule to run");
  const ran = started().includes("running-a") ? "a" : "b";
  const held = ran === "a" ? "b" : "a";
  process.kill(process.pid, "SIGINT");
  const result = await running;
  assert.equal(result.code, 130, result.err);
  const events = result.out.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
  const nested = (target: string) => events.filter((event) => event.run !== undefined && event.target === target && event.rule !== undefined);
  assert.ok(nested(ran).some((event) => event.state === "started"), JSON.stringify(nested(ran)));
  assert.ok(!nested(held).some((event) => event.state === "started"), JSON.stringify(nested(held)));
  assert.match(String(nested(held).at(-1)?.reason), /^not started: the run stopped/);
  assert.match(result.err, new RegExp(`sub\\.mf: the run stopped with 1 rule running, killed \\(${ran}\\), and 1 rule queued, not started;`));
});
