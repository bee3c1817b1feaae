// A back end that cannot start (a port in use, no sbatch) ends the run: with --json, its
// `started` is followed by `finished`, so a reader waiting for the end does not wait forever.
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-flow-back-end-error-");

test("back end error: -T workers on a port in use says why and, with --json, emits finished (ok false, ran 0, the reason) after started", async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "0.0.0.0", resolve));
  const port = (server.address() as { port: number }).port;
  try {
    const root = workspace({ "w.mf": "out:\n\ttouch out\n" });
    const result = await runIn(root, { target: "workers", port, json: true, password: "pw" });
    assert.equal(result.code, 1, result.err);
    assert.match(result.err, /cannot listen for workers on port/);
    const events = result.out.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(events.map((event) => event.state), ["started", "finished"]);
    const finished = events[1]!;
    assert.equal(finished.ok, false);
    assert.equal(finished.ran, 0);
    assert.match(String(finished.reason), /cannot listen for workers on port/);
  } finally {
    server.close();
  }
});
