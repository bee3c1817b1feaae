// Two-phase commit as real processes: `skein run --local` with a recording, a participant
// killed with SIGKILL and restarted by the supervisor, recovery from its storage on disk, and
// then `skein replay` of every node with zero divergence — and a deliberate code change caught,
// from the process start and from a checkpoint in the middle of the run.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { FileStorage, readRecording } from "@skein/net";
import { checkpointIndex } from "@skein/replay";
import { Output } from "./run-test-output.ts";

const root = new URL("../../../../", import.meta.url).pathname;
const bin = join(root, "packages/cli/bin/skein.js");
const scenario = join(root, "examples/two-phase-commit/scenario.ts");
const changed = join(root, "packages/replay/src/fixtures/two-phase-commit-changed.ts");
/**
 * Starts `skein run <scenarioFile> --local 3` recording into a fresh directory. `--duration`
 * only bounds the run: tests stop it (SIGTERM) once they have seen what they need.
 */
function startLocal(t: TestContext, scenarioFile: string, extra: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), "skein-run-"));
  const record = join(dir, "rec");
  const launcher = spawn(process.execPath, [bin, "run", scenarioFile, "--local", "3", "--duration", "120s", ...extra, "--data", join(dir, "data"), "--record", record], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => launcher.on("exit", (code) => resolve(code)));
  t.after(async () => {
    launcher.kill("SIGTERM");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, record, launcher, exited, out: new Output(launcher) };
}

test("skein run: 2PC as real processes survives kill -9 of a participant; replay shows zero divergence, a code change is caught", async (t) => {
  const { dir, record, launcher, exited, out } = startLocal(t, scenario, ["--restart-after", "200ms", "--checkpoint-every", "100ms"]);
  /** Waits for the `count`-th commit decision logged at or after line `from`. */
  const commits = async (count: number, from = 0) => {
    let at = from - 1;
    for (let i = 0; i < count; i++) at = await out.waitFor(/^\[coordinator\] .*decided .*"commit"/, at + 1);
    return at;
  };
  // Three commits before the kill: the first one's commit message has long reached p1.
  await commits(3);
  const started = out.lines[await out.waitFor(/^\[launcher\] node p1 started \(pid \d+\)/)]!;
  const beforeCrash = out.lines.filter((l) => l.startsWith("[coordinator]") && l.includes("decided")).map((l) => JSON.parse(l.slice(l.indexOf("{"))).tx as string);
  process.kill(Number(/pid (\d+)/.exec(started)![1]), "SIGKILL");
  const restarted = await out.waitFor(/^\[launcher\] restarting node p1/);
  const listening = await out.waitFor(/^\[p1\] listening/, restarted);
  // Three commits after the restart (p1 votes in each), time for p1 to settle what it doubted.
  await commits(3, listening);
  launcher.kill("SIGTERM");
  assert.equal(await exited, 0, out.lines.join("\n"));

  // recovery from disk: p1 still has the decisions it stored before it was killed
  const open = (node: string) => new FileStorage(join(dir, "data", node));
  const [coordinator, p1, p2] = [open("coordinator"), open("p1"), open("p2")];
  assert.ok(beforeCrash.some((tx) => p1.get(`decision/${tx}`) !== undefined), "p1 lost the decisions it had before the crash");
  for (const key of coordinator.keys("decision/")) {
    for (const participant of [p1, p2]) {
      const theirs = participant.get(key);
      assert.ok(theirs === undefined || theirs === coordinator.get(key), `${key}: coordinator ${coordinator.get(key)}, participant ${theirs}`);
    }
  }
  for (const storage of [coordinator, p1, p2]) storage.close();

  const replay = spawnSync(process.execPath, [bin, "replay", record, "--trace", join(dir, "trace.jsonl")], { cwd: root, encoding: "utf8" });
  assert.equal(replay.status, 0, replay.stdout + replay.stderr);
  assert.match(replay.stdout, /^divergences: 0$/m);
  assert.match(replay.stdout, /^p1\.0: .*recording cut short/m, "the killed incarnation is replayed too");
  assert.match(replay.stdout, /^p1\.1: /m, "and the restarted one");
  for (const node of ["coordinator", "client", "p2"]) assert.match(replay.stdout, new RegExp(`^${node}\\.0: .*divergences: 0`, "m"));
  for (const incarnation of ["coordinator.0", "client.0", "p1.1", "p2.0"]) {
    assert.match(replay.stdout, new RegExp(`^${incarnation.replace(".", "\\.")}: \\d+ records, [1-9]\\d* checkpoints?, `, "m"), "every 2PC service checkpoints");
  }

  const caught = spawnSync(process.execPath, [bin, "replay", record, "--node", "p2", "--scenario", changed], { cwd: root, encoding: "utf8" });
  assert.equal(caught.status, 1, caught.stdout + caught.stderr);
  assert.match(caught.stdout, /^divergences: [1-9]/m);
  assert.match(caught.stderr, /first divergence: p2\.0 record \d+/);

  // From a checkpoint in the middle of p2's run: zero divergences, and the code change caught after it.
  const p2Recording = readRecording(record).incarnations.find((i) => i.node === "p2" && i.incarnation === 0)!;
  const checkpoints = Number(/^p2\.0: \d+ records, (\d+) checkpoints?,/m.exec(replay.stdout)![1]);
  const middle = Math.ceil(checkpoints / 2);
  const fromMiddle = spawnSync(process.execPath, [bin, "replay", record, "--node", "p2", "--from", `0:${middle}`], { cwd: root, encoding: "utf8" });
  assert.equal(fromMiddle.status, 0, fromMiddle.stdout + fromMiddle.stderr);
  const line = new RegExp(`^p2\\.0 from checkpoint ${middle}: (\\d+) of ${p2Recording.entries.length} records, ${checkpoints} checkpoints?, (\\d+) sends checked, divergences: 0$`, "m").exec(fromMiddle.stdout);
  assert.ok(line && Number(line[1]) < p2Recording.entries.length && Number(line[2]) > 0, fromMiddle.stdout);
  assert.match(fromMiddle.stdout, /^divergences: 0$/m);
  const changedFromMiddle = spawnSync(process.execPath, [bin, "replay", record, "--node", "p2", "--from", `0:${middle}`, "--scenario", changed], { cwd: root, encoding: "utf8" });
  assert.equal(changedFromMiddle.status, 1, changedFromMiddle.stdout + changedFromMiddle.stderr);
  const at = Number(/first divergence: p2\.0 record (\d+)/.exec(changedFromMiddle.stderr)?.[1]);
  assert.ok(at > checkpointIndex(p2Recording.entries, middle), `the change is caught after checkpoint ${middle}:\n${changedFromMiddle.stderr}`);
});

test("skein run: echo as real processes — clients get replies over TCP; the replay matches", async (t) => {
  const { record, launcher, exited, out } = startLocal(t, join(root, "examples/echo/scenario.ts"));
  await out.waitFor(/^node server at 127\.0\.0\.1:\d+$/);
  await out.waitFor(/^\[client1\] .*replies \{"count":10\}/);
  await out.waitFor(/^\[client2\] .*replies \{"count":10\}/);
  launcher.kill("SIGTERM");
  assert.equal(await exited, 0, out.lines.join("\n"));
  const replay = spawnSync(process.execPath, [bin, "replay", record], { cwd: root, encoding: "utf8" });
  assert.equal(replay.status, 0, replay.stdout + replay.stderr);
  const server = /^server\.0: \d+ records, no checkpoints \(echo cannot checkpoint\), (\d+) sends checked, divergences: 0$/m.exec(replay.stdout);
  assert.ok(server && Number(server[1]) > 5, `the server answered too few calls:\n${replay.stdout}`);
  assert.match(replay.stdout, /^divergences: 0$/m);
  assert.equal(replay.stderr, "", "every node of meta.json has its file");
  // a node meta.json names whose file is not here (recorded elsewhere, or lost) is said so
  rmSync(join(record, "client1.0.rec"));
  const partial = spawnSync(process.execPath, [bin, "replay", record], { cwd: root, encoding: "utf8" });
  assert.match(partial.stderr, /^not replayed: client1 \(meta\.json names it, but .* has no recording file of its; recorded on another machine\?\)$/m);
  assert.doesNotMatch(partial.stdout, /^client1\./m);
});

test("skein replay: a directory that is not a recording is a usage error naming the problem (exit 2, no stack trace)", () => {
  const dir = mkdtempSync(join(tmpdir(), "skein-replay-bad-"));
  try {
    const cases: Array<[string, RegExp]> = [
      [dir, /: not a recording \(it has no meta\.json\)/],
      [join(root, "package.json"), /package\.json: not a recording directory/],
    ];
    for (const [path, message] of cases) {
      const result = spawnSync(process.execPath, [bin, "replay", path], { cwd: root, encoding: "utf8" });
      assert.equal(result.status, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /^\s+at /m);
    }
    writeFileSync(join(dir, "meta.json"), "{oops");
    const corrupt = spawnSync(process.execPath, [bin, "replay", dir], { cwd: root, encoding: "utf8" });
    assert.equal(corrupt.status, 2, corrupt.stderr);
    assert.match(corrupt.stderr, /meta\.json: not valid JSON/);
    writeFileSync(join(dir, "meta.json"), "{}");
    const other = spawnSync(process.execPath, [bin, "replay", dir], { cwd: root, encoding: "utf8" });
    assert.equal(other.status, 2, other.stderr);
    assert.match(other.stderr, /meta\.json: not a recording's meta\.json/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
