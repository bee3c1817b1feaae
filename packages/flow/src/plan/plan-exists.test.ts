import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { existsRememberedMax, plan } from "./plan.ts";

/** Plans `text`, every file existing; returns how often each path was asked about. */
function asked(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  const exists = (path: string) => {
    counts.set(path, (counts.get(path) ?? 0) + 1);
    return true;
  };
  plan(parseMakeflow(text, { file: "w.mf" }), { exists });
  return counts;
}

test("plan: a source read by many rules is looked up on disk once; one rule's sources once each", () => {
  const rules = Array.from({ length: 50 }, (_, i) => `o${i}: shared in${i} in${i}\n\tcmd\n`).join("");
  const counts = asked(rules);
  assert.equal(counts.get("shared"), 1);
  assert.ok([...counts.values()].every((count) => count === 1));
  assert.deepEqual([...asked("all: a b a c\n\tcmd\n")], [["a", 1], ["b", 1], ["c", 1]]);
});

test("plan: past existsRememberedMax paths, a path not remembered is asked about again, and the plan is the same", () => {
  const many = Array.from({ length: existsRememberedMax }, (_, i) => `s${i}`).join(" ");
  const counts = asked(`a: ${many} late\n\tcmd\nb: late s0\n\tcmd\n`);
  assert.equal(counts.get("late"), 2, "met after the limit: not remembered");
  assert.equal(counts.get("s0"), 1, "met before it: remembered");
});
