import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { realClock } from "@skein/net";
import { runIn, workspaces } from "../../test/flow-run.ts";
import { temporaryDirectories } from "../../test/temporary.ts";
import { launcherProgram } from "./launcher-program.ts";
import { type CommandExit, ProcessLauncher } from "./process-launcher.ts";

const temporary = temporaryDirectories("skein-working-directory-");
const workspace = workspaces("skein-working-directory-run-");
const kinds = ["c", "perl", "node"] as const;

for (const kind of kinds) {
  const skip = kind === "node" || launcherProgram(kind) ? undefined : `no ${kind === "c" ? "C compiler" : "perl"} on this machine`;
  test(`working directory (${kind}): a missing one fails the command naming it; the launcher is not called broken`, { skip }, async () => {
    const directory = join(temporary(), "gone");
    const warnings: string[] = [];
    const exit = await new Promise<CommandExit>((resolve) => {
      const launcher = new ProcessLauncher({
        directory,
        stdout: "ignore",
        kind,
        warn: (message) => warnings.push(message),
        exited: (_id, result) => {
          void launcher.close();
          resolve(result);
        },
      });
      launcher.run({ id: 1, command: "true", environment: {} });
    });
    assert.deepEqual(warnings, []);
    assert.deepEqual(exit, { code: null, signal: null, lost: `cannot start the command: its working directory ${directory} does not exist` });
  });
}

test("working directory: a command whose directory is removed under it fails saying so", { timeout: 30_000 }, async () => {
  const root = workspace({ "w.mf": "d/x: sub.mf\n\tMAKEFLOW sub.mf d\n", "sub.mf": "x:\n\trm -r ../d; touch x\n" });
  mkdirSync(join(root, "d"));
  const result = await runIn(root);
  assert.equal(result.code, 1);
  assert.match(result.err, /\): x: failed: exit code 1; its working directory \S*\/d does not exist\n/, result.err);
});

test("working directory: once it is removed during the run, no retry and no later command runs there: the run stops at once, saying so", { timeout: 30_000 }, async () => {
  // rule a removes the workflow's own directory; b…e would each fail (and retry) there
  const later = Array.from({ length: 4 }, (_, i) => `r${i}:\n\ttouch ../ran-r${i}; touch r${i}\n`).join("");
  const root = workspace({});
  const directory = join(root, "w");
  mkdirSync(directory);
  writeFileSync(join(directory, "w.mf"), `a:\n\trm -r "$$PWD"; touch a\n${later}`);
  const clock = realClock();
  const started = clock.nowMs();
  const result = await runIn(root, { file: join(directory, "w.mf"), jobs: 1, retryCount: 3, retryDelayMs: 2_000 });
  assert.equal(result.code, 1);
  assert.ok(clock.nowMs() - started < 2_000, "no retry waited");
  assert.doesNotMatch(result.err, /retrying/, result.err);
  assert.match(result.err.trim().split("\n").at(-1)!, /^skein flow: stopped: rule 'a' \(\S*w\.mf:1:1\) failed: exit code 1; its working directory \S*\/w does not exist$/, result.err);
  assert.ok(!result.err.includes("r3: failed"), `the later rules do not fail one by one: ${result.err}`);
});
