// The job budget all runs of one `skein flow` share: at most N tokens' worth of jobs at once,
// a nested run always able to go on on its own token, waiting jobs served in order.
import assert from "node:assert/strict";
import { test } from "node:test";
import { JobBudget, type JobShare } from "./nested-job-budget.ts";

/** Jobs started so far, by name, and a way to end one. */
function jobs(share: JobShare) {
  const started: string[] = [];
  return {
    started,
    ask: (task: number, cores = 1) => share.request(task, cores, () => started.push(`${task}`)),
    end: (task: number) => share.release(task),
  };
}

test("job budget: the top run's jobs take tokens; past N they wait, and start in order as tokens come back", () => {
  const budget = new JobBudget(2);
  const top = jobs(budget.top());
  for (const task of [1, 2, 3, 4]) top.ask(task);
  assert.deepEqual(top.started, ["1", "2"]);
  top.end(2);
  assert.deepEqual(top.started, ["1", "2", "3"]);
  top.end(1);
  top.end(3);
  assert.deepEqual(top.started, ["1", "2", "3", "4"]);
  top.end(4);
  assert.equal(budget.available, 2);
});

test("job budget: two nested runs under -j 2 run 2 jobs in all, not 2 each; each goes on on its own token", () => {
  const budget = new JobBudget(2);
  const topShare = budget.top();
  const top = jobs(topShare);
  top.ask(1); // MAKEFLOW a
  top.ask(2); // MAKEFLOW b
  assert.equal(budget.available, 0);
  const a = jobs(topShare.nested());
  const b = jobs(topShare.nested());
  for (const task of [10, 11, 12]) a.ask(task);
  for (const task of [20, 21]) b.ask(task);
  // each nested run runs one job, on the token its MAKEFLOW rule holds; the rest wait
  assert.deepEqual([a.started, b.started], [["10"], ["20"]]);
  a.end(10);
  assert.deepEqual(a.started, ["10", "11"]);
  b.end(20);
  b.end(21);
  top.end(2); // b's MAKEFLOW rule ends: its token lets a run two at once
  assert.deepEqual(a.started, ["10", "11", "12"]);
});

test("job budget: nested three deep with every token held around it still runs (no deadlock), one job at a time", () => {
  const budget = new JobBudget(1);
  const topShare = budget.top();
  const top = jobs(topShare);
  top.ask(1);
  const middleShare = topShare.nested();
  const middle = jobs(middleShare);
  middle.ask(1); // a MAKEFLOW rule of the nested run, on its own token
  const inner = jobs(middleShare.nested());
  inner.ask(1);
  inner.ask(2);
  assert.deepEqual(inner.started, ["1"]);
  inner.end(1);
  assert.deepEqual(inner.started, ["1", "2"]);
});

test("job budget: a wide job waiting for tokens is not overtaken by later jobs that need tokens; one wider than what is free runs alone on its run's token", () => {
  const budget = new JobBudget(3);
  const topShare = budget.top();
  const top = jobs(topShare);
  top.ask(1);
  top.ask(2, 3); // needs all three
  top.ask(3); // would fit now, but waits behind the wide one
  assert.deepEqual(top.started, ["1"]);
  top.end(1);
  assert.deepEqual(top.started, ["1", "2"]);
  top.end(2);
  assert.deepEqual(top.started, ["1", "2", "3"]);
  // a nested run whose rule holds a token, the others held: its 2-core job runs alone on its token
  top.end(3);
  const holder = jobs(topShare);
  holder.ask(7);
  holder.ask(8);
  holder.ask(9);
  const nested = jobs(topShare.nested());
  nested.ask(1, 2);
  assert.deepEqual(nested.started, ["1"]);
});

test("job budget: aborting a waiting job drops it; closing a share gives back what its jobs held", () => {
  const budget = new JobBudget(1);
  const topShare = budget.top();
  const top = jobs(topShare);
  top.ask(1);
  top.ask(2);
  assert.equal(top.end(2), true, "task 2 was waiting");
  topShare.close();
  assert.equal(budget.available, 1);
  top.ask(3);
  assert.deepEqual(top.started, ["1", "3"]);
});
