import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { plan } from "./plan.ts";

const planError = (text: string): string => {
  try {
    plan(parseMakeflow(text, { file: "w.mf" }), { exists: () => true });
  } catch (error) {
    return (error as Error).message;
  }
  return "no error";
};
const ring = (count: number) => Array.from({ length: count }, (_, i) => `f${i}: f${(i + 1) % count}\n\tcmd\n`).join("");

test("plan cycles: printed from the rule written first, at its location", () => {
  // it started wherever the search met the cycle: 'w.mf:5:1: … c -> b -> a -> c'
  assert.equal(planError("a: b\n\tcmd\nb: c\n\tcmd\nc: a\n\tcmd\nx: a\n\tcmd\n"), "w.mf:1:1: the rules form a cycle (each is needed to make the next): a -> c -> b -> a");
});

test("plan cycles: a long cycle prints its first and last rules and counts the others", () => {
  // a 100 000-rule ring printed all of them: a message of ≈ 1 MB
  const message = planError(ring(100_000));
  assert.equal(message, "w.mf:1:1: the rules form a cycle (each is needed to make the next): f0 -> f99999 -> f99998 -> f99997 -> f99996 -> f99995 -> f99994 -> f99993 -> … 99988 more … -> f4 -> f3 -> f2 -> f1 -> f0");
  assert.equal(planError(ring(16)).split(" -> ").length, 17);
});
