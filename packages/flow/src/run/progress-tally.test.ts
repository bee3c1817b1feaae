import assert from "node:assert/strict";
import { test } from "node:test";
import type { RuleState } from "../schedule/types.ts";
import { type ProgressCounts, ProgressTally } from "./progress-tally.ts";

const counts = (partial: Partial<Record<RuleState, number>>): Record<RuleState, number> => ({ waiting: 0, ready: 0, running: 0, retrying: 0, done: 0, failed: 0, ...partial });

test("progress tally: a nested run's rules are counted while it runs, instead of the rule running it; its finished rules stay when it ends", () => {
  let own: ProgressCounts = { counts: counts({ waiting: 1, running: 1 }), queued: 0, doneBefore: 0 };
  let inner: ProgressCounts = { counts: counts({ waiting: 298, running: 2, done: 0 }), queued: 1, doneBefore: 0 };
  let ruleState: RuleState = "running";
  const tally = new ProgressTally(() => own, () => ruleState);
  const rule = 4;
  const end = tally.attach(rule, () => inner);
  assert.deepEqual(tally.read(), { counts: counts({ waiting: 299, running: 2, done: 0 }), queued: 1, doneBefore: 0 }, "running: the nested rules, not the MAKEFLOW rule too");
  inner = { counts: counts({ waiting: 100, running: 2, done: 190, failed: 8 }), queued: 0, doneBefore: 0 };
  assert.deepEqual(tally.read().counts, counts({ waiting: 101, running: 2, done: 190, failed: 8 }));
  // the nested run ended with rules undone: they still count, as waiting (the totals stay 301),
  // and stand for the MAKEFLOW rule while it waits to be retried
  end();
  own = { counts: counts({ waiting: 1, retrying: 1 }), queued: 0, doneBefore: 0 };
  ruleState = "retrying";
  inner = { counts: counts({ waiting: 50 }), queued: 0, doneBefore: 0 };
  assert.deepEqual(tally.read().counts, counts({ waiting: 103, done: 190, failed: 8 }), "its last counts are kept, not read again");
  // the retry runs, its new nested run not started yet: the last counts still stand for it
  own = { counts: counts({ waiting: 1, running: 1 }), queued: 0, doneBefore: 0 };
  ruleState = "running";
  assert.deepEqual(tally.read().counts, counts({ waiting: 103, done: 190, failed: 8 }));
  // failed for good because of its nested rules' failures: those 8 are counted, not the MAKEFLOW rule as a 9th
  own = { counts: counts({ waiting: 1, failed: 1 }), queued: 0, doneBefore: 0 };
  ruleState = "failed";
  assert.deepEqual(tally.read().counts, counts({ waiting: 103, done: 190, failed: 8 }));
  // a retry of the same rule replaces the first attempt's counts
  ruleState = "running";
  own = { counts: counts({ waiting: 1, running: 1 }), queued: 0, doneBefore: 0 };
  tally.attach(rule, () => ({ counts: counts({ waiting: 8, running: 1, done: 190 }), queued: 0, doneBefore: 0 }));
  assert.deepEqual(tally.read().counts, counts({ waiting: 9, running: 1, done: 190 }));
});

test("progress tally: nested runs at once and nested deeper add up; a run without nested runs reads its own counts", () => {
  const own: ProgressCounts = { counts: counts({ running: 2, done: 3 }), queued: 0, doneBefore: 0 };
  const top = new ProgressTally(() => own);
  assert.deepEqual(top.read(), own);
  const middle = new ProgressTally(() => ({ counts: counts({ running: 1, done: 4 }), queued: 0, doneBefore: 0 }));
  middle.attach(0, () => ({ counts: counts({ running: 1, done: 5, waiting: 2 }), queued: 0, doneBefore: 0 }));
  top.attach(0, () => middle.read());
  top.attach(1, () => ({ counts: counts({ running: 2, done: 1 }), queued: 2, doneBefore: 0 }));
  assert.deepEqual(top.read(), { counts: counts({ waiting: 2, running: 3, done: 13 }), queued: 2, doneBefore: 0 });
});

test("progress tally: rules the logs said were done add up across nested runs, and stay when a nested run ends", () => {
  // the MAKEFLOW rule 0 runs until its outcome is in, after its nested run ended
  const top = new ProgressTally(() => ({ counts: counts({ running: 1, done: 10 }), queued: 0, doneBefore: 10 }), () => "running");
  const end = top.attach(0, () => ({ counts: counts({ running: 1, done: 250 }), queued: 0, doneBefore: 200 }));
  assert.equal(top.read().doneBefore, 210);
  end();
  assert.deepEqual(top.read(), { counts: counts({ waiting: 1, done: 260 }), queued: 0, doneBefore: 210 });
});

test("progress tally: a nested run that failed with no rule of its own failed (a workflow error) counts the rule that ran it as the failure", () => {
  let own: ProgressCounts = { counts: counts({ running: 1, done: 2 }), queued: 0, doneBefore: 0 };
  const tally = new ProgressTally(() => own, (rule) => (rule === 3 ? "failed" : "done"));
  tally.attach(3, () => ({ counts: counts({ done: 5, waiting: 4 }), queued: 0, doneBefore: 0 }))();
  own = { counts: counts({ done: 2, failed: 1 }), queued: 0, doneBefore: 0 };
  assert.deepEqual(tally.read().counts, counts({ waiting: 4, done: 7, failed: 1 }), "its 4 rules undone still count, as waiting");
});

test("progress tally: a MAKEFLOW rule done, in this run or found done by the log, is not counted beside its nested rules, so the totals do not grow when it ends", () => {
  let own: ProgressCounts = { counts: counts({ running: 1, waiting: 1 }), queued: 0, doneBefore: 0 };
  let inner: ProgressCounts = { counts: counts({ running: 1, done: 2 }), queued: 0, doneBefore: 0 };
  let state: RuleState = "running";
  const tally = new ProgressTally(() => own, () => state);
  const end = tally.attach(0, () => inner);
  assert.deepEqual(tally.read().counts, counts({ waiting: 1, running: 1, done: 2 }), "4 rules: 1 waiting, 3 nested");
  inner = { counts: counts({ done: 3 }), queued: 0, doneBefore: 0 };
  end();
  own = { counts: counts({ done: 1, waiting: 1 }), queued: 0, doneBefore: 0 };
  state = "done";
  assert.deepEqual(tally.read().counts, counts({ waiting: 1, done: 3 }), "still 4 rules, not 5");
  // a rerun: the log found the MAKEFLOW rule done; its nested rules count as done before this run
  const rerun = new ProgressTally(() => ({ counts: counts({ done: 1, running: 1 }), queued: 0, doneBefore: 1 }), (rule) => (rule === 0 ? "done" : "running"));
  rerun.attach(0, () => ({ counts: counts({ done: 3 }), queued: 0, doneBefore: 3 }), true)();
  assert.deepEqual(rerun.read(), { counts: counts({ running: 1, done: 3 }), queued: 0, doneBefore: 3 });
});
