import assert from "node:assert/strict";
import { readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";
import { futureNamedMax, SourceTimes } from "./source-times.ts";

const workspace = workspaces("skein-flow-future-");
const hourMs = 3_600_000;

/** Sets `path`'s modification time to `aheadMs` past now (its change time becomes now, as `touch -d` does). */
function future(path: string, aheadMs: number): void {
  const time = new Date(Date.now() + aheadMs);
  utimesSync(path, time, time);
}

test("flow: a source with a modification time in the future is warned of, and reruns its rules only once it is written or touched again", async () => {
  const root = workspace({ "w.mf": "out: in\n\tcat in > out\nlast: out\n\tcat out > last\n", in: "1\n" });
  future(join(root, "in"), hourMs);
  const first = await runIn(root);
  assert.equal(first.code, 0, first.err);
  const second = await runIn(root);
  assert.match(second.err, /^skein flow: warning: source in has a modification time 3(600|599) s in the future \(clock skew\?\)\nskein flow: nothing to do, every rule is done\n$/);
  writeFileSync(join(root, "in"), "2\n"); // written: its times are now's, after the rule was done
  const written = await runIn(root);
  assert.match(written.err, /done, 2 rules ran\n$/);
  assert.equal(readFileSync(join(root, "last"), "utf8"), "2\n");
  future(join(root, "in"), hourMs); // touched again: it may have changed
  const touched = await runIn(root);
  assert.match(touched.err, /warning: source in has a modification time 3(600|599) s in the future[\s\S]*done, 2 rules ran\n$/);
});

test("source times: the warning names the first few sources in the future and counts the rest", () => {
  const root = workspace(Object.fromEntries(Array.from({ length: futureNamedMax + 2 }, (_, index) => [`s${index}`, ""])));
  const times = new SourceTimes(root, Date.now());
  assert.equal(times.warning(), undefined);
  for (let index = 0; index < futureNamedMax + 2; index++) {
    future(join(root, `s${index}`), (index + 1) * 10_000);
    times.changedAtMs(`s${index}`);
  }
  assert.match(times.warning() ?? "", /^skein flow: warning: sources s0 \(10 s\), s1 \(20 s\), s2 \(30 s\), s3 \(40 s\), s4 \(50 s\) and 2 more have modification times in the future \(clock skew\?\)\n$/);
});
