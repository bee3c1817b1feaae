import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { seededRandom } from "../testing/simulated-cluster.ts";
import type { Rule } from "../workflow.ts";
import { type CompactionStep, compactingPath, compactLog, logNeedsCompaction } from "./compact-log.ts";
import { fileDoneLine, fileRunningLine, runLine } from "./file-lines.ts";
import { readLogFile } from "./log-file.ts";
import { type LogSummary, logHashes, logHeader, logLine } from "./transaction-log.ts";

const rules = (text: string): Rule[] => parseMakeflow(text, { file: "w.mf" }).rules;
const current = rules("a:\n\ttouch a\nb: a\n\ttouch b\nc:\n\ttouch c\n");
/** Versions of the workflow a later run may read the log with: each must read the compacted log as the old one. */
const versions = [
  current,
  rules("new:\n\ttouch new\na:\n\ttouch a\nb: a\n\ttouch b\nc:\n\ttouch c\n"), // a rule added above: every rule moved
  rules("a:\n\ttouch a\nb: a\n\ttouch b-old\nc:\n\ttouch c\n"), // b as it was
  rules("a:\n\ttouch a\nb: a\n\ttouch b\nc:\n\ttouch c\nd:\n\ttouch d\n"), // d put back
  rules("c:\n\ttouch c\n"),
];

/** Many runs: failures and retries, an earlier version of b, a rule d since removed, then a torn line. */
function grownLog(runs: number): string {
  const older = rules("a:\n\ttouch a\nb: a\n\ttouch b-old\nc:\n\ttouch c\nd:\n\ttouch d\n");
  let text = `${logHeader}\n`;
  let timeMs = 1;
  for (let run = 0; run < runs; run++) {
    const workflow = run < runs / 2 ? older : current;
    text += runLine(timeMs);
    for (const [rule, states] of [[0, ["running", "failed", "running", "done"]], [1, ["running", "done"]], [3, ["running", "done"]], [2, ["running"]]] as const) {
      if (rule >= workflow.length) continue;
      for (const state of states) {
        // file lines as a run writes them: each target's name when its rule starts, and what it was when done
        const names = workflow[rule]!.targets.map((target) => target.path);
        if (state === "running") for (const name of names) text += fileRunningLine(timeMs, name);
        text += logLine(timeMs, rule, state, 1, logHashes(workflow[rule]!));
        if (state === "done") for (const name of names) text += fileDoneLine(timeMs, name, timeMs, timeMs * 1000 + 250);
        timeMs++;
      }
    }
  }
  // a last run (its RUN line first, as every run's) that was killed making a: c, left running by
  // the run before, no longer counts as partial output of the workflow's (`laterRun`)
  text += `${runLine(timeMs)}${fileRunningLine(timeMs, "a")}${logLine(timeMs, 0, "running", 1, logHashes(current[0]!))}`;
  return `${text}${logLine(timeMs, 2, "done", 1, logHashes(current[2]!)).slice(0, 7)}\n`;
}

/** What each version reads in the log (all but the count of done lines, which compaction shrinks), as plain data. */
function summaries(path: string): Array<Record<Exclude<keyof LogSummary, "doneLines">, unknown[]>> {
  return versions.map((version) => {
    const { done, started, interrupted, failed, doneAtMs, files } = readLogFile(path, version).summary;
    const targetFiles = version.flatMap((rule, index) => rule.targets.map((_, target) => files.target(index, target)));
    return { done: [...done], started: [...started], interrupted: [...interrupted], failed: [...failed], doneAtMs: [...doneAtMs], files: [...targetFiles, ...files.others()] };
  });
}

function withLog(text: string, body: (path: string) => void | Promise<void>): Promise<void> | void {
  const root = mkdtempSync(join(tmpdir(), "skein-compact-"));
  const path = join(root, "w.mf.skeinlog");
  writeFileSync(path, text);
  const done = () => rmSync(root, { recursive: true, force: true });
  try {
    const result = body(path);
    if (result instanceof Promise) return result.finally(done);
    done();
  } catch (error) {
    done();
    throw error;
  }
}

test("log compaction: a log grown by many runs is rewritten with its live lines and reads the same for every version of the workflow", () =>
  withLog(grownLog(5000), (path) => {
    const before = summaries(path);
    const read = readLogFile(path, current);
    assert.deepEqual([read.summary.files.target(0, 0)?.laterRun, read.summary.files.target(2, 0)?.laterRun], [undefined, true], "a: this run's; c: left by a run before it");
    assert.ok(logNeedsCompaction(read), `${read.bytes} bytes, ${read.live.bytes} live`);
    const size = compactLog(path, read);
    assert.equal(statSync(path).size, size);
    assert.ok(size < read.bytes / 100, `${read.bytes} → ${size} bytes`);
    assert.deepEqual(summaries(path), before);
    assert.ok(!logNeedsCompaction(readLogFile(path, current), { bytesMin: 0 }), "compacted once, it stays so");
    assert.ok(!existsSync(compactingPath(path)));
  }));

test("log compaction: a log not much larger than its live lines, or small, is left alone", () =>
  withLog(grownLog(2), (path) => {
    const read = readLogFile(path, current);
    assert.ok(!logNeedsCompaction(read), "small");
    assert.ok(!logNeedsCompaction(read, { bytesMin: 0 }), "mostly live lines");
  }));

test("log compaction: stopped after any step (a kill, a full disk), the log reads as before: the old one whole or the new one", () => {
  for (const failAt of ["written", "synced", "renamed"] satisfies CompactionStep[]) {
    withLog(grownLog(200), (path) => {
      const text = readFileSync(path, "utf8");
      const before = summaries(path);
      const step = (at: CompactionStep) => {
        if (at === failAt) throw new Error(`stopped after ${at}`);
      };
      assert.throws(() => compactLog(path, readLogFile(path, current), { step }), new Error(`stopped after ${failAt}`));
      assert.deepEqual(summaries(path), before, failAt);
      if (failAt === "renamed") assert.ok(readFileSync(path, "utf8").length < text.length, "renamed: the new log");
      else assert.equal(readFileSync(path, "utf8"), text, `${failAt}: the old log, untouched`);
      assert.ok(!existsSync(compactingPath(path)), `${failAt}: no partial file left`);
    });
  }
});

test("log compaction: a log appended to since it was read (another run) is not rewritten", () =>
  withLog(grownLog(200), (path) => {
    const read = readLogFile(path, current);
    appendFileSync(path, logLine(9, 0, "running", 1, logHashes(current[0]!)));
    assert.throws(() => compactLog(path, read), /changed since it was read/);
    assert.ok(readFileSync(path, "utf8").endsWith(logLine(9, 0, "running", 1, logHashes(current[0]!))));
  }));

const loop = `
import { appendFileSync } from "node:fs";
import { parseMakeflow } from ${JSON.stringify(new URL("../language/parse-makeflow.ts", import.meta.url).href)};
import { compactLog, logNeedsCompaction } from ${JSON.stringify(new URL("./compact-log.ts", import.meta.url).href)};
import { readLogFile } from ${JSON.stringify(new URL("./log-file.ts", import.meta.url).href)};
const [path, extra] = process.argv.slice(2);
const rules = parseMakeflow("a:\\n\\ttouch a\\nb: a\\n\\ttouch b\\nc:\\n\\ttouch c\\n", { file: "w.mf" }).rules;
for (let round = 0; ; round++) {
  const read = readLogFile(path, rules);
  if (logNeedsCompaction(read, { bytesMin: 0, ratio: 2 })) compactLog(path, read);
  else appendFileSync(path, extra);
  if (round === 0) process.stdout.write("ready\\n");
}
`;

test("log compaction: killed with SIGKILL at 8 random points (seed 7) while it compacts over and over, the log always reads as before", async () => {
  const root = mkdtempSync(join(tmpdir(), "skein-compact-kill-"));
  try {
    const path = join(root, "w.mf.skeinlog");
    writeFileSync(path, grownLog(20_000)); // about 2 MB: a compaction takes a while
    writeFileSync(join(root, "loop.mjs"), loop);
    const before = summaries(path);
    // what a rerun appends: lines of the same rules, the same states in the end
    const extra = readFileSync(path, "utf8").split("\n").slice(-70, -2).join("\n") + "\n";
    const random = seededRandom(7);
    let killedMidway = 0;
    for (let kill = 0; kill < 8; kill++) {
      await new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", join(root, "loop.mjs"), path, extra], { stdio: ["ignore", "pipe", "inherit"] });
        child.stdout.once("data", () => setTimeout(() => child.kill("SIGKILL"), 20 + random() * 300));
        child.on("exit", (_code, signal) => (signal === "SIGKILL" ? resolve() : reject(new Error(`the loop ended by itself (${signal})`))));
      });
      if (existsSync(compactingPath(path))) killedMidway++;
      assert.deepEqual(summaries(path), before, `after kill ${kill + 1}`);
    }
    assert.ok(killedMidway > 0, "at least one kill came during a compaction");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
