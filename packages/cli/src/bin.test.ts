// bin/skein, the command npm links: it starts flow/worker/ftsh without NODE_EXTRA_CA_CERTS
// (Node would load every certificate first), and the commands a workflow runs still see it.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

const bin = new URL("../bin/skein", import.meta.url).pathname;

for (const value of ["/no/such/bundle.pem", ""]) {
  test(`bin/skein: a workflow's commands see NODE_EXTRA_CA_CERTS unchanged (${JSON.stringify(value)}), the master starts without it`, () => {
    const root = mkdtempSync(join(tmpdir(), "skein-bin-"));
    try {
      // A file that does not exist makes Node warn at start-up if it tries to load it.
      // `\$` passes the dollar to the shell: the command reads its own environment.
      writeFileSync(join(root, "w.mf"), 'seen:\n\techo "[\\$NODE_EXTRA_CA_CERTS][`printenv SKEIN_NODE_EXTRA_CA_CERTS || echo unset`]" > seen\n');
      const result = spawnSync(bin, ["flow", "w.mf", "--no-progress"], { cwd: root, encoding: "utf8", env: { ...process.env, NODE_EXTRA_CA_CERTS: value } });
      assert.equal(result.status, 0, result.stderr);
      assert.equal(readFileSync(join(root, "seen"), "utf8"), `[${value}][unset]\n`);
      assert.doesNotMatch(result.stderr, /extra certs|NODE_EXTRA_CA_CERTS/i, "the master did not load them");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

test("bin/skein: other commands start with NODE_EXTRA_CA_CERTS as given", () => {
  const result = spawnSync(bin, ["--help"], { encoding: "utf8", env: { ...process.env, NODE_EXTRA_CA_CERTS: "/no/such/bundle.pem" } });
  assert.equal(result.status, 0);
  assert.match(result.stderr, /extra certs/i, "Node warns that it could not load the missing file: it was not set aside");
});

for (const [command, args] of [["flow", ["w.mf", "--no-such-option"]], ["worker", ["127.0.0.1:1", "--cores"]], ["sim", ["--no-such-option"]]] as const) {
  test(`bin/skein: '${command} ${args.join(" ")}' names the bad option and shows the usage, exit 2, no stack trace`, () => {
    const result = spawnSync(bin, [command, ...args], { encoding: "utf8" });
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`^skein ${command}: .*'${args[args.length - 1]}`));
    assert.match(result.stderr, /usage|Usage/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
  });
}
