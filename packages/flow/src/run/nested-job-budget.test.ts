// The job budget all runs of one `skein flow` share: at most N tokens' worth of jobs at once,
// only commands holding tokens (no deadlock), waiting jobs served in order.
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

test("job budget: two nested runs under -j 2 run 2 jobs in all, not 2 each, in the order they asked", () => {
  const budget = new JobBudget(2);
  const topShare = budget.top();
  const a = jobs(topShare.nested());
  const b = jobs(topShare.nested());
  for (const task of [10, 11, 12]) a.ask(task);
  for (const task of [20, 21]) b.ask(task);
  assert.deepEqual([a.started, b.started], [["10", "11"], []]);
  a.end(10);
  assert.deepEqual([a.started, b.started], [["10", "11", "12"], []], "a's third job asked before b's first");
  a.end(11);
  assert.deepEqual(b.started, ["20"]);
  a.end(12);
  assert.deepEqual(b.started, ["20", "21"]);
  assert.equal(budget.available, 0);
});

test("job budget: nested three deep, -j 1, runs one job at a time (only commands hold tokens: no deadlock)", () => {
  const budget = new JobBudget(1);
  const topShare = budget.top();
  const top = jobs(topShare);
  const inner = jobs(topShare.nested().nested());
  top.ask(1);
  inner.ask(1);
  inner.ask(2);
  assert.deepEqual([top.started, inner.started], [["1"], []]);
  top.end(1);
  assert.deepEqual(inner.started, ["1"]);
  inner.end(1);
  assert.deepEqual(inner.started, ["1", "2"]);
});

test("job budget: a wide job waiting for tokens is not overtaken by later jobs that need tokens; wide jobs of two nested runs never run together past N", () => {
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
  top.end(3);
  // -j 2 with two nested runs each starting a CORES=2 command: one runs, the other waits for it
  const two = new JobBudget(2);
  const a = jobs(two.top().nested());
  const b = jobs(two.top().nested());
  a.ask(1, 2);
  b.ask(1, 2);
  assert.deepEqual([a.started, b.started], [["1"], []]);
  a.end(1);
  assert.deepEqual(b.started, ["1"]);
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
