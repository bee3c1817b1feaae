import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { temporaryDirectories } from "../../test/temporary.ts";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { asideNamesMax } from "./set-aside.ts";
import { StaleTargets } from "./stale-targets.ts";

const quiet = () => {};
const temporary = temporaryDirectories("skein-stale-");
/** A directory target `res` whose rule makes res/stamp, and a rule reading the user's res/config and res/sub/more. */
const reads = parseMakeflow(["res:\n\tmkdir -p res; date > res/stamp", "b: res/config res/sub/more res\n\tcat res/config > b"].join("\n"), { file: "w.mf" });
const workflow = parseMakeflow(["a:\n\ttouch a", "sub/b:\n\ttouch sub/b", "none/c:\n\ttouch none/c", "d:\n\ttouch d"].join("\n"), { file: "w.mf" });

test("stale targets: what exists when its directory is listed is removed before a first attempt of a rule the log shows started; a retry always checks", () => {
  const root = temporary();
  mkdirSync(join(root, "sub"));
  writeFileSync(join(root, "a"), "partial output of an interrupted run");
  writeFileSync(join(root, "sub", "b"), "stale");
  const stale = new StaleTargets(workflow, root, new Set([0, 1, 2, 3]), quiet);
  stale.beforeStart(0, 1);
  stale.beforeStart(1, 1);
  stale.beforeStart(2, 1); // its directory does not exist: nothing to remove
  assert.ok(!existsSync(join(root, "a")) && !existsSync(join(root, "sub", "b")));
  // d was absent when the directory was listed; a first attempt trusts that listing ...
  writeFileSync(join(root, "d"), "appeared later");
  stale.beforeStart(3, 1);
  assert.ok(existsSync(join(root, "d")));
  // ... but a second attempt (its own first attempt may have written it) looks again
  stale.beforeStart(3, 2);
  assert.ok(!existsSync(join(root, "d")));
  writeFileSync(join(root, "a"), "written by attempt 1");
  stale.beforeStart(0, 2);
  assert.ok(!existsSync(join(root, "a")));
});

test("stale targets: a directory target made again keeps the files other rules made inside it (d/x of a done rule)", () => {
  const nested = parseMakeflow(["d:\n\tmkdir -p d; touch d/own", "d/x:\n\techo x > d/x", "d/sub/y:\n\ttouch d/sub/y"].join("\n"), { file: "w.mf" });
  const root = temporary();
  mkdirSync(join(root, "d", "sub"), { recursive: true });
  for (const name of ["own", "x", "sub/y", "sub/old"]) writeFileSync(join(root, "d", name), name);
  new StaleTargets(nested, root, new Set(), quiet).beforeStart(0, 2);
  assert.ok(existsSync(join(root, "d", "x")) && existsSync(join(root, "d", "sub", "y")), "the other rules' targets stay");
  assert.ok(!existsSync(join(root, "d", "own")) && !existsSync(join(root, "d", "sub", "old")), "the rest of d goes");
});

test("stale targets: a directory target present before its rule ever started, holding only files the workflow names, stays whole for the command", () => {
  const root = temporary();
  mkdirSync(join(root, "res", "sub"), { recursive: true });
  writeFileSync(join(root, "res", "config"), "precious");
  writeFileSync(join(root, "res", "sub", "more"), "precious too");
  const said: string[] = [];
  assert.equal(new StaleTargets(reads, root, new Set(), (line) => said.push(line)).beforeStart(0, 1), undefined);
  assert.ok(existsSync(join(root, "res", "config")) && existsSync(join(root, "res", "sub", "more")), "the user's sources stay");
  assert.deepEqual(said, []);
  // once the log shows the rule started, what it made is removed, the sources kept
  writeFileSync(join(root, "res", "stamp"), "made by the rule");
  new StaleTargets(reads, root, new Set([0]), quiet).beforeStart(0, 1);
  assert.ok(existsSync(join(root, "res", "config")) && !existsSync(join(root, "res", "stamp")));
});

test("stale targets: a directory target present before its rule ever started moves what the workflow does not name to the same place under <dir>.skein-old, so no later removal of it deletes them", () => {
  const root = temporary();
  mkdirSync(join(root, "res", "sub"), { recursive: true });
  mkdirSync(join(root, "res.skein-old"));
  writeFileSync(join(root, "res", "config"), "precious");
  writeFileSync(join(root, "res", "sub", "more"), "precious too");
  writeFileSync(join(root, "res", "sub", "notes"), "mine");
  writeFileSync(join(root, "res", "stamp"), "mine too");
  const said: string[] = [];
  assert.equal(new StaleTargets(reads, root, new Set(), (line) => said.push(line)).beforeStart(0, 1), undefined);
  assert.deepEqual(said, ["skein flow: kept what res holds that this workflow does not name (res/stamp, res/sub/notes) in res.skein-old.2\n"]);
  assert.equal(readFileSync(join(root, "res.skein-old.2", "sub", "notes"), "utf8"), "mine");
  assert.equal(readFileSync(join(root, "res.skein-old.2", "stamp"), "utf8"), "mine too");
  assert.ok(existsSync(join(root, "res", "config")) && existsSync(join(root, "res", "sub", "more")), "the named files stay for the command");
  assert.ok(!existsSync(join(root, "res", "stamp")) && !existsSync(join(root, "res", "sub", "notes")));
});

test("stale targets: a target present before its rule ever started is moved aside, never deleted, and the run says so", () => {
  const root = temporary();
  mkdirSync(join(root, "sub"));
  writeFileSync(join(root, "a"), "old1\nold2\n");
  writeFileSync(join(root, "sub", "b"), "mine");
  writeFileSync(join(root, "sub", "b.skein-old"), "taken");
  const said: string[] = [];
  const stale = new StaleTargets(workflow, root, new Set(), (line) => said.push(line));
  assert.equal(stale.beforeStart(0, 1), undefined);
  assert.equal(stale.beforeStart(1, 1), undefined);
  assert.ok(!existsSync(join(root, "a")) && !existsSync(join(root, "sub", "b")), "the command starts with its targets absent");
  assert.equal(readFileSync(join(root, "a.skein-old"), "utf8"), "old1\nold2\n");
  assert.equal(readFileSync(join(root, "sub", "b.skein-old"), "utf8"), "taken", "a name taken is not replaced");
  assert.equal(readFileSync(join(root, "sub", "b.skein-old.2"), "utf8"), "mine");
  assert.deepEqual(said, ["skein flow: kept a (not made by this workflow) as a.skein-old\n", "skein flow: kept sub/b (not made by this workflow) as sub/b.skein-old.2\n"]);
  // a retry in this run removes what its first attempt made
  writeFileSync(join(root, "a"), "attempt 1");
  assert.equal(stale.beforeStart(0, 2), undefined);
  assert.ok(!existsSync(join(root, "a")) && existsSync(join(root, "a.skein-old")));
});

test("stale targets: when every aside name is taken, the rule does not start, naming the target and the way out", () => {
  const root = temporary();
  writeFileSync(join(root, "d"), "mine");
  writeFileSync(join(root, "d.skein-old"), "");
  for (let index = 2; index <= asideNamesMax; index++) writeFileSync(join(root, `d.skein-old.${index}`), "");
  const reason = new StaleTargets(workflow, root, new Set(), quiet).beforeStart(3, 1);
  assert.match(reason ?? "", /^cannot move d \(not made by this workflow\) aside: d\.skein-old … d\.skein-old\.9 all exist; .*move them away yourself$/);
  assert.equal(readFileSync(join(root, "d"), "utf8"), "mine");
});

test("stale targets: a MAKEFLOW rule's targets are left to its nested run, started or not, on any attempt", () => {
  const nesting = parseMakeflow("a b: sub.mf\n\tMAKEFLOW sub.mf\n", { file: "w.mf" });
  const root = temporary();
  writeFileSync(join(root, "a"), "done by the nested run");
  const said: string[] = [];
  for (const started of [new Set([0]), new Set<number>()]) {
    const stale = new StaleTargets(nesting, root, started, (line) => said.push(line));
    assert.equal(stale.beforeStart(0, 1), undefined);
    assert.equal(stale.beforeStart(0, 2), undefined);
    assert.deepEqual(stale.wouldSetAside(0), []);
  }
  assert.equal(readFileSync(join(root, "a"), "utf8"), "done by the nested run");
  assert.deepEqual(said, []);
});
