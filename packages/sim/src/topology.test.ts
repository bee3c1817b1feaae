import assert from "node:assert/strict";
import { test } from "node:test";
import { NodeHost, type Runtime } from "@skein/core";
import { Random } from "./random.ts";
import { constant, longTail, perLink, regions, uniform, withBandwidth } from "./topology.ts";

const node = (id: string) => new NodeHost(id, {} as Runtime);
const [a, b, c] = [node("a"), node("b"), node("c")];
const random = new Random(5);

test("topology: constant and uniform stay in their bounds", () => {
  assert.equal(constant(3).delayMs(a, b, 0, 0, random), 3);
  for (let i = 0; i < 1000; i++) {
    const d = uniform(2, 4).delayMs(a, b, 0, 0, random);
    assert.ok(d >= 2 && d < 4);
  }
  assert.throws(() => uniform(5, 1), /maxMs/);
  assert.throws(() => constant(-1), /≥ 0/);
});

test("topology: long tail has its median and a tail, capped", () => {
  const model = longTail({ medianMs: 10, p99Ms: 100, maxMs: 500 });
  const samples = Array.from({ length: 20_000 }, () => model.delayMs(a, b, 0, 0, random)).sort((x, y) => x - y);
  const median = samples[10_000]!;
  const p99 = samples[19_800]!;
  assert.ok(median > 9 && median < 11, `median ${median}`);
  assert.ok(p99 > 80 && p99 < 125, `p99 ${p99}`);
  assert.ok(samples[samples.length - 1]! <= 500);
});

test("topology: regions use the latency matrix; per-link overrides win", () => {
  const model = regions({ names: ["eu", "us"], matrixMs: [[1, 80], [80, 2]], regionOf: (id) => (id === "c" ? "us" : "eu") });
  assert.equal(model.delayMs(a, b, 0, 0, random), 1);
  assert.equal(model.delayMs(a, c, 0, 0, random), 80);
  assert.equal(model.delayMs(c, c, 0, 0, random), 2);
  const links = perLink(model, { "a->c": constant(7) });
  assert.equal(links.delayMs(a, c, 0, 0, random), 7);
  assert.equal(links.delayMs(c, a, 0, 0, random), 80);
  assert.throws(() => regions({ names: ["x"], matrixMs: [[1, 2]], regionOf: () => "x" }), /1×1/);
});

test("topology: bandwidth queues messages on a link", () => {
  const model = withBandwidth(constant(1), 100); // 100 bytes per ms
  assert.equal(model.delayMs(a, b, 1000, 0, random), 11); // 10 ms on the wire + 1
  assert.equal(model.delayMs(a, b, 1000, 0, random), 21); // queued behind the first
  assert.equal(model.delayMs(b, a, 1000, 0, random), 11); // other direction is free
  assert.equal(model.needsBytes, true);
});
